"""``normalize(doc)``: the record's fields, nothing lost, idempotence, the seeds, the stage."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import pickle
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus import (
    ConfigError,
    Document,
    Normalize,
    NormalizeConfig,
    Quote,
    Role,
    normalize,
    normalize_batch,
    normalize_stream,
    normalize_text,
    parse,
    render,
)
from corpus.format.roles import BIO_RE
from corpus.text.normalize import NORMALIZED_FIELDS
from strategies import documents


def _seed(seeds_dir: Path, prefix: str) -> Document:
    (path,) = seeds_dir.glob(f"{prefix}_*.txt")
    return parse(path.read_bytes(), str(path))


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path) -> dict[str, Document]:
    """The five seed articles, normalised, by their three-digit sequence prefix."""
    return {
        path.name[:3]: normalize(parse(path.read_bytes(), str(path)))
        for path in sorted(seeds_dir.glob("*.txt"))
    }


def _cleaned(doc: Document, role: Role) -> list[str]:
    return [t for t in (normalize_text(line.text) for line in doc.lines_with(role)) if t]


# -- properties over generated articles -----------------------------------------------------


@given(doc=documents())
def test_nothing_is_lost_and_normalising_again_changes_nothing(doc: Document) -> None:
    normalised = normalize(doc)
    assert normalised.lines == doc.lines
    assert render(normalised) == render(doc)
    assert normalised.raw_sha256 == doc.raw_sha256 == hashlib.sha256(render(doc)).hexdigest()
    assert (normalised.bom, normalised.line_ending) == (doc.bom, doc.line_ending)
    assert normalize(normalised) == normalised


@given(doc=documents())
def test_every_line_goes_to_the_field_of_its_role_and_is_counted(doc: Document) -> None:
    n = normalize(doc)
    assert n.text == "\n\n".join(_cleaned(doc, Role.BODY))
    assert n.title == " ".join(_cleaned(doc, Role.HEADLINE))
    assert n.subtitle == " ".join(_cleaned(doc, Role.STANDFIRST))
    assert n.headings == tuple(_cleaned(doc, Role.HEADING))
    assert n.boilerplate == tuple(_cleaned(doc, Role.BOILERPLATE))
    assert n.comments == tuple(_cleaned(doc, Role.COMMENT))
    assert len(n.quotes) == len(_cleaned(doc, Role.QUOTE))
    for quote, line in zip(n.quotes, _cleaned(doc, Role.QUOTE), strict=True):
        assert quote.text in line
        assert quote.attribution in line
    bylines = " ".join(_cleaned(doc, Role.BYLINE))
    assert all(name in bylines for name in n.authors)
    assert bool(n.authors) == bool(bylines)
    for paragraph in _cleaned(doc, Role.BIO):
        assert BIO_RE.sub("", paragraph, count=1).strip() in n.bio
    # Counts, hashes, language and version describe the text.
    assert n.char_count == len(n.text)
    assert n.paragraph_count == len(_cleaned(doc, Role.BODY))
    assert n.text_sha256 == hashlib.sha256(n.text.encode("utf-8")).hexdigest()
    assert 0 <= n.word_count <= n.char_count
    assert (n.word_count == 0) == (not re.search(r"[^\W_]", n.text))
    assert 0.0 <= n.language_probability <= 1.0
    assert (n.language == "und") == (n.language_probability == 0.0)
    assert n.normalizer_version == NormalizeConfig().version


def test_normalized_fields_name_the_normalisation_section_of_the_record() -> None:
    names = [field.name for field in dataclasses.fields(Document)]
    start = names.index("title")
    assert tuple(names[start : names.index("normalizer_version") + 1]) == NORMALIZED_FIELDS


# -- the seeds ------------------------------------------------------------------------------


def test_seed_004_title_author_headings_and_bio(seeds: dict[str, Document]) -> None:
    doc = seeds["004"]
    assert doc.title == (
        "Swallowing the Red Pill: Trump, Lukashenka, and the Cycles of Western "
        "Normalization with Belarus"
    )
    assert doc.authors == ("Grigory Ioffe",)
    assert doc.headings == (
        "Crackdown vs Rapprochement: The Patterns of Normalization",
        "Converging Realisms: Belarus and the United States",
    )
    assert doc.bio.startswith("Grigory Ioffe is Professor Emeritus, Radford University.")
    assert "About the Author" not in doc.bio
    for field in (doc.title, "by Grigory Ioffe", *doc.headings, doc.bio[:60]):
        assert field not in doc.text


def test_seed_000_trailer_is_boilerplate_not_text(seeds: dict[str, Document]) -> None:
    doc = seeds["000"]
    assert len(doc.boilerplate) == 2
    assert doc.boilerplate[0].startswith("Contact us at ")
    assert doc.boilerplate[1] == "Comments"
    assert "Contact us at" not in doc.text
    assert not doc.text.endswith("Comments")
    assert doc.text.startswith("In arranging an interview with a head of state")


def test_seed_002_headline_and_dek(seeds: dict[str, Document]) -> None:
    doc = seeds["002"]
    assert doc.title == (
        "A Diplomatic Thaw in Belarus: The New York Post Reports on a Potential Shift in "
        "U.S.-Belarus Relations"
    )
    assert doc.subtitle == (
        "From Isolation to Engagement: How U.S.-Belarus Talks Could Reshape Geopolitics "
        "Amid Ukraine Conflict."
    )
    assert doc.title not in doc.text
    assert doc.subtitle not in doc.text
    assert "A Collaborative Approach: Could Russia Be on Board?" in doc.headings


def test_seed_001_pull_quotes_with_attribution(seeds: dict[str, Document]) -> None:
    doc = seeds["001"]
    assert len(doc.quotes) == 7
    assert doc.quotes[1] == Quote(
        text="It is hard to imagine the kind of openness that we are showing and ensuring "
        "at the exercise,",
        attribution="Viktor Khrenin",
    )
    assert [q.attribution for q in doc.quotes].count("Alexander Lukashenko") == 2
    for quote in doc.quotes:
        assert quote.text not in doc.text


def test_all_seeds_are_english_and_keep_typography(seeds: dict[str, Document]) -> None:
    assert len(seeds) == 5
    for doc in seeds.values():
        assert doc.language == "en"
        assert doc.language_probability > 0.99
        assert not doc.mojibake_fixed
    assert "’" in seeds["000"].text
    assert "“" in seeds["003"].text
    assert "—" in seeds["002"].text


def test_seed_counts_and_hashes(seeds: dict[str, Document], seeds_dir: Path) -> None:
    for prefix, doc in seeds.items():
        body = [line for line in doc.lines_with(Role.BODY) if line.text.strip()]
        assert doc.paragraph_count == len(body), prefix
        assert doc.char_count == len(doc.text)
        words = [t for t in doc.text.split() if any(c.isalnum() for c in t)]
        assert doc.word_count == len(words)
        assert doc.text_sha256 == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
        original = next(seeds_dir.glob(f"{prefix}_*.txt")).read_bytes()
        assert doc.raw_sha256 == hashlib.sha256(original).hexdigest()
        assert render(doc) == original
    assert seeds["004"].paragraph_count == 17


# -- examples -------------------------------------------------------------------------------


def _doc(text: str) -> Document:
    return parse(text.encode("utf-8"), "7_0123456789abcdef.txt")


def test_mojibake_is_repaired_and_recorded() -> None:
    doc = normalize(_doc("The minister said â€œnoâ€\x9d to the plan.\nIt was a cafÃ© deal.\n"))
    assert doc.text == "The minister said “no” to the plan.\n\nIt was a café deal."
    assert doc.mojibake_fixed
    assert render(doc).decode("utf-8").startswith("The minister said â€œno")


def test_invisible_characters_and_whitespace_are_cleaned_in_every_field() -> None:
    doc = normalize(
        _doc(
            "Border\u200b Talks  Resume\u00ad Again\n"
            "by  Jane\u00a0Doe\n"
            "The  talks\tresumed\u200b on Monday after a long pause.\n"
            "Officials said little more.\n"
        )
    )
    assert doc.title == "Border Talks Resume Again"
    assert doc.authors == ("Jane\u00a0Doe",)
    assert doc.text == (
        "The talks resumed on Monday after a long pause.\n\nOfficials said little more."
    )


def test_several_authors_in_order_each_once() -> None:
    doc = normalize(
        _doc(
            "Border Talks Resume\nBy Jane Doe, John Roe and Mary Major\n"
            "The talks resumed on Monday after a long pause.\nOfficials said little.\n"
        )
    )
    assert doc.authors == ("Jane Doe", "John Roe", "Mary Major")


def test_an_article_with_no_body_has_empty_text_and_no_language() -> None:
    doc = normalize(_doc("Advertisement\n"))
    assert doc.boilerplate == ("Advertisement",)
    assert (doc.text, doc.char_count, doc.word_count, doc.paragraph_count) == ("", 0, 0, 0)
    assert doc.text_sha256 == hashlib.sha256(b"").hexdigest()
    assert (doc.language, doc.language_probability) == ("und", 0.0)


def test_language_of_a_short_body_falls_back_on_the_whole_article() -> None:
    doc = normalize(
        _doc(
            "Hochwasser im Süden: Feuerwehr pumpt die ganze Nacht Keller aus\n"
            "Nach tagelangen Regenfällen sind die Flüsse über die Ufer getreten\n"
            "Niemand verletzt.\n"
        )
    )
    assert doc.text == "Niemand verletzt."
    assert doc.language == "de"


def test_min_language_letters_is_applied() -> None:
    text = "Die Feuerwehr war die ganze Nacht im Einsatz.\n"
    assert normalize(_doc(text)).language == "de"
    strict = normalize(_doc(text), NormalizeConfig(min_language_letters=500))
    assert (strict.language, strict.language_probability) == ("und", 0.0)


# -- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({"unicode_form": "NFX"}, ["'NFX'", "'NFC', 'NFKC', 'NFD', 'NFKD'"]),
        ({"unicode_form": "nfkc"}, ["'nfkc'", "did you mean 'NFKC'?"]),
        ({"unicode_form": None}, ["None", "Unicode normalisation form"]),
        ({"min_language_letters": -1}, ["min_language_letters=-1", ">= 0"]),
        ({"min_language_letters": 2.5}, ["min_language_letters=2.5", "int"]),
        ({"min_language_letters": True}, ["min_language_letters=True", "int"]),
        ({"fix_mojibake": "yes"}, ["fix_mojibake='yes'", "True or False"]),
        ({"remove_control_chars": 1}, ["remove_control_chars=1", "True or False"]),
        ({"collapse_whitespace": None}, ["collapse_whitespace=None", "True or False"]),
    ],
)
def test_invalid_config_fails_at_construction_naming_value_and_rule(
    kwargs: dict[str, object], fragments: list[str]
) -> None:
    with pytest.raises(ConfigError) as info:
        NormalizeConfig(**kwargs)  # type: ignore[arg-type]
    for fragment in fragments:
        assert fragment in str(info.value)


def test_version_names_the_rules_and_the_config() -> None:
    default = NormalizeConfig().version
    assert re.fullmatch(r"1\.[0-9a-f]{8}", default)
    assert NormalizeConfig().version == default
    assert NormalizeConfig(unicode_form="NFKC").version != default
    assert NormalizeConfig(min_language_letters=5).version != default
    assert NormalizeConfig(fix_mojibake=False).version != default


def test_the_version_is_the_same_in_another_process() -> None:
    code = "from corpus import NormalizeConfig; print(NormalizeConfig().version)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={"PYTHONHASHSEED": "123", "PATH": ""},
    )
    assert out.stdout.strip() == NormalizeConfig().version


# -- the stage ------------------------------------------------------------------------------


def test_normalize_stream_is_lazy_and_in_order(seeds_dir: Path) -> None:
    paths = sorted(seeds_dir.glob("*.txt"))

    def endless() -> Iterator[Document]:
        for path in itertools.cycle(paths):
            yield parse(path.read_bytes(), str(path))

    first_six = list(itertools.islice(normalize_stream(endless()), 6))
    assert [d.seq for d in first_six] == [0, 1, 2, 3, 4, 0]
    assert all(d.normalizer_version for d in first_six)


def test_the_stage_is_picklable_and_uses_its_config(seeds_dir: Path) -> None:
    stage = pickle.loads(pickle.dumps(Normalize(NormalizeConfig(unicode_form="NFKC"))))
    assert stage == Normalize(NormalizeConfig(unicode_form="NFKC"))
    doc = _seed(seeds_dir, "004")
    (out,) = stage([doc])
    assert out == normalize(doc, NormalizeConfig(unicode_form="NFKC"))
    assert out.normalizer_version == NormalizeConfig(unicode_form="NFKC").version


# -- many documents at once -------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(documents(), max_size=6), st.sampled_from([0, 20, 200]))
def test_normalize_batch_equals_normalize_one_by_one(docs: list[Document], letters: int) -> None:
    config = NormalizeConfig(min_language_letters=letters)
    expected = [normalize(d, config) for d in docs]
    assert normalize_batch(docs, config) == expected
    assert normalize_batch(iter(docs), config) == expected


def test_normalize_batch_of_the_seeds_and_edge_cases(seeds_dir: Path) -> None:
    docs = [parse(path.read_bytes(), str(path)) for path in sorted(seeds_dir.glob("*.txt"))]
    docs += [
        _doc("Advertisement\n"),
        _doc(
            "Hochwasser im Süden: Feuerwehr pumpt die ganze Nacht Keller aus\n"
            "Nach tagelangen Regenfällen sind die Flüsse über die Ufer getreten\n"
            "Niemand verletzt.\n"
        ),
        _doc("The â€œquotedâ€\x9d headline\nA body paragraph that is long enough to tell.\n"),
    ]
    batch = normalize_batch(docs)
    assert batch == [normalize(d) for d in docs]
    assert [d.language for d in batch[-3:]] == ["und", "de", "en"]
    assert batch[-1].mojibake_fixed
    assert normalize_batch([]) == []


def test_normalize_stream_batches_keep_order_and_records(
    seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from corpus.text import normalize as module

    monkeypatch.setattr(module, "STREAM_BATCH", 2)  # five seeds: batches of 2, 2 and 1
    docs = [parse(path.read_bytes(), str(path)) for path in sorted(seeds_dir.glob("*.txt"))]
    assert list(normalize_stream(iter(docs))) == [normalize(d) for d in docs]
