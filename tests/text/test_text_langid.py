"""Language identification: langdetect's n-grams exactly, right answers, "und", determinism."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY

from corpus import ConfigError, LanguageGuess, detect_language, detect_languages
from corpus.text import lang

# Short news-style sentences written for these tests, one per language.
SENTENCES = {
    "de": "Der Zug nach München hatte heute Morgen fast eine Stunde Verspätung.",
    "fr": "Le marché du samedi matin attire des visiteurs de toute la région.",
    "es": "La biblioteca municipal abrirá sus puertas también los domingos por la tarde.",
    "it": "Il nuovo ponte sul fiume sarà inaugurato alla fine del mese prossimo.",
    "pt": "O governo anunciou ontem um novo programa de apoio às pequenas empresas.",
    "nl": "De gemeente wil volgend jaar meer fietspaden aanleggen in het centrum.",
    "pl": "Nowa linia autobusowa połączy dworzec z lotniskiem już od przyszłego tygodnia.",
    "ru": "Новый мост через реку откроют для движения в конце следующего месяца.",
    "uk": "Уряд оголосив нову програму підтримки малого бізнесу в регіонах.",
    "el": "Η νέα γέφυρα θα εγκαινιαστεί στο τέλος του επόμενου μήνα.",
    "tr": "Yeni köprü önümüzdeki ayın sonunda trafiğe açılacak.",
    "ar": "سيتم افتتاح الجسر الجديد في نهاية الشهر المقبل.",
    "hi": "नया पुल अगले महीने के अंत तक यातायात के लिए खोल दिया जाएगा।",
    "ja": "新しい橋は来月末に開通する予定です。",
    "zh": "新大桥预计将于下个月底正式通车。",
    "ko": "새 다리는 다음 달 말에 개통될 예정입니다.",
    "vi": "Cây cầu mới sẽ được thông xe vào cuối tháng sau.",
    "sv": "Den nya bron öppnas för trafik i slutet av nästa månad.",
    "fi": "Uusi silta avataan liikenteelle ensi kuun lopussa.",
    "hu": "Az új hidat a jövő hónap végén adják át a forgalomnak.",
    "en": "The new bridge over the river will open to traffic at the end of next month.",
}


@functools.cache
def _langdetect() -> DetectorFactory:
    """A langdetect detector factory with its own profiles loaded, seeded."""
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)
    return factory


def _langdetect_ngrams(text: str) -> list[int]:
    """The n-grams langdetect extracts from ``text`` (the profiles know them all)."""
    detector = _langdetect().create()
    detector.append(text)
    detector.cleaning_text()
    return [lang._key(gram) for gram in detector._extract_ngrams()]


def _our_ngrams(text: str) -> list[int]:
    """Ours, before sampling, keeping those the profiles know (as langdetect does)."""
    model = lang._model()
    reading = lang._read(text, model)
    points = lang._code_points(reading.head)
    keys = lang._ngram_keys(lang._normalise_chars(points, model, reading.drop_latin), model)
    known = set(model.slot_keys[model.slot_keys != 0].tolist())
    known |= set(model.overflow_keys.tolist())
    return [key for key in keys.tolist() if key in known]


@functools.cache
def _profile_log_probs() -> dict[int, np.ndarray]:
    """Every profile n-gram's key and its log(p(n-gram | language) + smoothing) in the
    model's columns, computed here from langdetect's profile files, one n-gram at a time."""
    profiles = [json.loads(path.read_text(encoding="utf-8"))
                for path in sorted(Path(PROFILES_DIRECTORY).iterdir())
                if path.is_file() and not path.name.startswith(".")]
    shares: dict[str, np.ndarray] = {}
    for column, profile in enumerate(profiles):
        for gram, count in profile["freq"].items():
            if 1 <= len(gram) <= 3:
                shares.setdefault(gram, np.zeros(len(profiles)))[column] = (
                    count / profile["n_words"][len(gram) - 1])
    return {lang._key(gram): np.log(share + lang._SMOOTHING) for gram, share in shares.items()}


def _per_ngram_score(text: str) -> np.ndarray:
    """Each language's score of ``text``'s sample as the sum over the n-grams langdetect
    takes, one n-gram at a time (the unknown ones skipped), in float64."""
    model = lang._model()
    reading = lang._read(text, model)
    points, _ = lang._sample(reading, model)
    table = _profile_log_probs()
    total = np.zeros(len(model.languages))
    for key in lang._ngram_keys(lang._normalise_chars(points, model, reading.drop_latin),
                                model).tolist():
        if key in table:
            total += table[key]
    return total


def _per_position_score(text: str) -> np.ndarray:
    """The same score as the model computes it: one summed row per character."""
    model = lang._model()
    reading = lang._read(text, model)
    points, _ = lang._sample(reading, model)
    rows = lang._text_rows(lang._normalise_chars(points, model, reading.drop_latin), model)
    score: np.ndarray = np.asarray(model.log_probs[rows, : len(model.languages)],
                                   dtype=np.float64).sum(axis=0)
    return score


@pytest.mark.parametrize("text", [
    *SENTENCES.values(),
    "NATO and the USA: acronyms ARE skipped, Mixed Case is not",
    "a  b   c\t\td\u00a0e «quoted» — dash ½ © ß ẞ ǅ",
])
def test_one_row_a_character_sums_langdetects_ngrams(text: str) -> None:
    # The model's row of a position holds its n-gram's score and its shorter endings': the
    # score of a text must be the sum over every n-gram langdetect takes, no more, no less.
    assert np.allclose(_per_position_score(text), _per_ngram_score(text), rtol=1e-6, atol=1e-3)


@given(st.text(max_size=300))
def test_one_row_a_character_sums_langdetects_ngrams_for_any_text(text: str) -> None:
    assert np.allclose(_per_position_score(text), _per_ngram_score(text), rtol=1e-6, atol=1e-3)


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_short_sentences_in_many_languages(language: str) -> None:
    guess = detect_language(SENTENCES[language])
    assert guess.code == language
    assert 0.5 < guess.probability <= 1.0


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_agrees_with_seeded_langdetect(language: str) -> None:
    detector = _langdetect().create()
    detector.append(SENTENCES[language])
    top = detector.get_probabilities()[0].lang
    assert detect_language(SENTENCES[language]).code == ("zh" if top.startswith("zh") else top)


@pytest.mark.parametrize(
    "text",
    [
        SENTENCES["de"],
        "NATO and the USA: acronyms ARE skipped, Mixed Case is not",
        "Visit https://example.com/a?b=c or write to news@example.com today",
        "Tiếng Việt có dấu, e\u0301 and a\u0300 decomposed",
        "Привет, мир! Latin mixed with Кириллица and 東京 and ｶﾀｶﾅ and 한국어",
        "a  b   c\t\td\u00a0e «quoted» — dash ½ © ß ẞ ǅ",
        "  ",
    ],
)
def test_ngrams_are_exactly_langdetects(text: str) -> None:
    assert _our_ngrams(text) == _langdetect_ngrams(text)


@given(st.text(max_size=300))
def test_ngrams_are_exactly_langdetects_for_any_text(text: str) -> None:
    assert _our_ngrams(text) == _langdetect_ngrams(text)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "ok", "Hi there", "12345 678 !!! ???", "🎉🎉🎉 👍", "東京で会議", "— — —"],
)
def test_too_short_or_letterless_text_is_undetermined(text: str) -> None:
    assert detect_language(text) == LanguageGuess("und", 0.0)


def test_min_letters_sets_what_is_too_short() -> None:
    assert detect_language("Hi there").code == "und"
    assert detect_language("Hi there", min_letters=0).code != "und"
    assert detect_language(SENTENCES["en"], min_letters=1000).code == "und"
    # Ideographs and kana weigh three letters: this 5-character sentence has 15.
    assert detect_language("東京で会議", min_letters=15).code != "und"
    assert detect_language("東京で会議", min_letters=16).code == "und"


@pytest.mark.parametrize("value", [-1, 2.5, True, "20"])
def test_invalid_min_letters_is_a_config_error(value: object) -> None:
    with pytest.raises(ConfigError, match=r"min_letters=.* must be an int >= 0"):
        detect_language("text", min_letters=value)  # type: ignore[arg-type]


def test_chinese_variants_are_one_iso_639_1_code() -> None:
    model = lang._model()
    assert model.languages.count("zh") == 2  # langdetect's zh-cn and zh-tw profiles
    (zh, _) = (i for i, code in enumerate(model.languages) if code == "zh")
    assert model.same_code[zh].tolist() == [i for i, c in enumerate(model.languages) if c == "zh"]
    assert detect_language(SENTENCES["zh"] + "我们的学生在比赛中得到了第一名。").code == "zh"
    assert "zh" in lang.supported_languages()
    assert not any("-" in code for code in lang.supported_languages())
    assert len(lang.supported_languages()) == 54


def test_a_guess_never_has_probability_zero() -> None:
    # Word salad whose three parts each point to another language: the winner of the whole
    # has a vanishing posterior in every part, but 0.0 is reserved for "und".
    text = (
        "talks réunion envoy talks envoy border border réunion border Diplomats prisoners "
        "Officials talks café café réunion Diplomats Diplomats talks border prisoners talks talks."
    )
    guess = detect_language(text)
    assert guess.code != "und"
    assert guess.probability == 0.000001


def test_long_texts_are_sampled_and_still_recognised() -> None:
    text = " ".join([SENTENCES["es"]] * 300)
    assert len(text) > lang.MAX_TEXT_LENGTH
    sample = lang._sample_text(lang._prepare(text))
    assert len(sample) <= lang.SAMPLE_CHARS + 2 * lang.WINDOWS * 24
    guess = detect_language(text)
    assert guess.code == "es"
    assert guess.probability > 0.99


def test_a_text_mostly_in_one_language_gets_that_language() -> None:
    text = "\n\n".join([SENTENCES["fr"]] * 6 + [SENTENCES["de"]])
    assert detect_language(text).code == "fr"


def test_latin_letters_are_dropped_as_langdetect_does_on_the_whole_text() -> None:
    # A Japanese article quoting a long English paragraph: langdetect drops the Latin letters
    # because the whole text has more than twice as many characters at or above U+0300, and
    # decides it on the whole text, which is what we do too (not on the sampled windows).
    english = " ".join([SENTENCES["en"]] * 5)
    text = "\n\n".join([SENTENCES["ja"]] * 30 + [english] + [SENTENCES["ja"]] * 30)
    assert lang._read(text, lang._model()).drop_latin
    assert not lang._read(english + SENTENCES["ja"], lang._model()).drop_latin
    assert detect_language(text).code == "ja"
    detector = _langdetect().create()
    detector.append(text)
    assert detector.get_probabilities()[0].lang == "ja"


def test_same_answer_in_other_processes_and_any_order() -> None:
    texts = list(SENTENCES.values())
    here = [detect_language(t) for t in texts]
    assert [detect_language(t) for t in reversed(texts)] == here[::-1]
    code = (
        "import json, sys\n"
        "from corpus import detect_language\n"
        "texts = json.load(sys.stdin)\n"
        "print(json.dumps([[g.code, g.probability] for g in map(detect_language, texts)]))\n"
    )
    for seed, order in (("1", texts), ("2", texts[::-1])):
        out = subprocess.run(
            [sys.executable, "-c", code], input=json.dumps(order), capture_output=True,
            text=True, check=True, env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        answers = [LanguageGuess(c, p) for c, p in json.loads(out.stdout)]
        assert answers == (here if order is texts else here[::-1])


# -- the batch API -------------------------------------------------------------------------
SAMPLE_TEXT = st.one_of(
    st.sampled_from(list(SENTENCES.values())),
    # Pieces of several sentences, cut anywhere: long and short texts, mixed languages.
    st.lists(st.sampled_from(list(SENTENCES.values())), min_size=1, max_size=12)
    .map(" ".join)
    .flatmap(
        lambda text: st.integers(0, len(text)).map(
            lambda cut: text[cut:] if cut % 2 else text[:cut]
        )
    ),
    st.text(max_size=200),
    st.text(st.sampled_from("abcdefghij ABCDEF\u00e9\u00e0\u0301\u0300\u0303 .:/@\n"), max_size=99),
    st.just("Xem http://example.com/a?b=c or mail a.b@example.com Cây cầu mới sẽ được thông xe"),
)


@given(
    st.lists(SAMPLE_TEXT, max_size=12),
    st.sampled_from([0, 1, 5, lang.DEFAULT_MIN_LETTERS, 60]),
    st.sampled_from([(8, 1), (64, 3), (1 << 12, 4096)]),
)
def test_batch_gives_exactly_the_single_text_answers(
    texts: list[str], min_letters: int, limits: tuple[int, int]
) -> None:
    # Small limits make the batch be scored in many passes.
    original = lang._BATCH_ROWS, lang._BATCH_TEXTS
    lang._BATCH_ROWS, lang._BATCH_TEXTS = limits
    try:
        together = detect_languages(texts, min_letters=min_letters)
    finally:
        lang._BATCH_ROWS, lang._BATCH_TEXTS = original
    assert together == [detect_language(t, min_letters=min_letters) for t in texts]


def test_batch_of_the_language_sentences_and_edge_cases() -> None:
    texts = ["", *SENTENCES.values(), "  ", "東京で会議", SENTENCES["en"] * 40, "Hi there"]
    guesses = detect_languages(texts)
    assert guesses == [detect_language(t) for t in texts]
    assert [g.code for g in guesses[1 : 1 + len(SENTENCES)]] == list(SENTENCES)
    assert guesses[0] == guesses[-1] == LanguageGuess("und", 0.0)
    assert detect_languages([]) == []


@pytest.mark.parametrize("value", [-1, 2.5, True, "20"])
def test_batch_invalid_min_letters_is_a_config_error(value: object) -> None:
    with pytest.raises(ConfigError, match=r"min_letters=.* must be an int >= 0"):
        detect_languages(["text"], min_letters=value)  # type: ignore[arg-type]


def test_the_model_kept_on_disk_is_the_model_built(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Built once per machine and memory-mapped after that: the mapped tables must be the
    # built ones, and a damaged folder is built again rather than trusted.
    folder = tmp_path / "model"
    monkeypatch.setattr(lang, "_model_folder", lambda: folder)
    built = lang._build_model()
    lang._model.cache_clear()
    try:
        first = lang._model()  # builds and saves
        assert (folder / "log_probs.npy").is_file()
        lang._model.cache_clear()
        mapped = lang._model()  # maps
        for found in (first, mapped):
            assert found.languages == built.languages
            for name in lang._ARRAYS:
                assert np.array_equal(getattr(found, name), getattr(built, name)), name
        assert not mapped.log_probs.flags.writeable
        (folder / "slot_rows.npy").write_bytes(b"not an array")
        lang._model.cache_clear()
        again = lang._model()
        assert np.array_equal(again.slot_rows, built.slot_rows)
        assert lang.detect_language(SENTENCES["de"]).code == "de"
    finally:
        lang._model.cache_clear()
