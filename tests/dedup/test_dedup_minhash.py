"""MinHash signatures from raw text: shape, determinism, tokenisation, accuracy, banding."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from corpus import ConfigError
from corpus.dedup import band_keys, minhash_signatures, signature_similarity
from corpus.dedup.hashing import hash_words, ngram_hashes
from corpus.dedup.minhash import EMPTY_SLOT

WORDS = st.text(alphabet="abcdefghij", min_size=1, max_size=6)


def shingles(text: str, n: int = 5) -> set[tuple[str, ...]]:
    words = text.split()
    if 0 < len(words) < n:
        return {tuple(words)}
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def exact_jaccard(a: str, b: str) -> float:
    left, right = shingles(a), shingles(b)
    return len(left & right) / len(left | right)


def test_shape_dtype_and_determinism() -> None:
    texts = ["the quick brown fox jumps over the lazy dog " * 3, "lorem ipsum dolor sit amet"]
    first = minhash_signatures(texts, num_perm=64)
    assert first.shape == (2, 64)
    assert first.dtype == np.uint32
    assert np.array_equal(first, minhash_signatures(texts, num_perm=64))


def test_identical_texts_have_identical_signatures_and_seeds_differ() -> None:
    text = "one two three four five six seven eight nine ten"
    a, b = minhash_signatures([text, text])
    assert signature_similarity(a, b) == 1.0
    other = minhash_signatures([text], seed=2)[0]
    assert signature_similarity(a, other) < 0.5


def test_whitespace_does_not_change_words() -> None:
    plain = "alpha beta gamma delta epsilon zeta"
    spaced = "  alpha\tbeta\n\ngamma  delta\u00a0epsilon\u2003zeta "
    a, b = minhash_signatures([plain, spaced])
    assert np.array_equal(a, b)


def test_empty_text_has_the_empty_signature_and_short_text_one_shingle() -> None:
    empty, short, other = minhash_signatures(["", "two words", "two words here"])
    assert np.all(empty == EMPTY_SLOT)
    assert not np.any(short == EMPTY_SLOT)  # densified from its single shingle
    assert len(set(short.tolist())) == 1
    assert signature_similarity(short, other) == 0.0


def test_non_ascii_words_hash_by_their_bytes() -> None:
    accented = "Łukaszenka café naïve 東京 über"
    a, b, c = minhash_signatures([accented, accented, "Lukaszenka cafe naive 東京 uber"])
    assert signature_similarity(a, b) == 1.0
    assert signature_similarity(a, c) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [({"num_perm": 0}, "num_perm=0"), ({"ngram": 0}, "ngram=0"), ({"ngram": 65}, "ngram=65"),
     ({"seed": -5}, "seed=-5"),
     ({"num_perm": True}, "num_perm=True")],
)
def test_invalid_arguments_raise_config_error(kwargs: dict[str, int], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        minhash_signatures(["a b c"], **kwargs)


def test_signatures_of_different_lengths_are_refused() -> None:
    a = minhash_signatures(["a b c d e f"], num_perm=32)[0]
    b = minhash_signatures(["a b c d e f"], num_perm=64)[0]
    with pytest.raises(ConfigError, match="different num_perm"):
        signature_similarity(a, b)


@given(st.lists(st.lists(WORDS, min_size=0, max_size=12).map(" ".join), min_size=1, max_size=8))
def test_batching_does_not_change_word_hashes(texts: list[str]) -> None:
    together = hash_words(texts)
    for i, text in enumerate(texts):
        alone = hash_words([text])
        part = slice(int(together.offsets[i]), int(together.offsets[i + 1]))
        assert np.array_equal(together.word[part], alone.word)
        assert np.array_equal(together.stem[part], alone.stem)


@given(st.lists(st.lists(WORDS, min_size=0, max_size=12).map(" ".join), min_size=1, max_size=6))
def test_batched_signatures_equal_single_signatures(texts: list[str]) -> None:
    together = minhash_signatures(texts, num_perm=32)
    for i, text in enumerate(texts):
        assert np.array_equal(together[i], minhash_signatures([text], num_perm=32)[0])


@given(st.lists(WORDS, min_size=1, max_size=30), st.integers(min_value=1, max_value=6))
def test_ngram_count_matches_python_shingling(words: list[str], n: int) -> None:
    hashed = hash_words([" ".join(words)])
    values, owners = ngram_hashes(hashed, n)
    expected = max(len(words) - n + 1, 1)
    assert len(values) == expected
    assert set(owners.tolist()) == {0}
    python = {tuple(words[i:i + n]) for i in range(len(words) - n + 1)} or {tuple(words)}
    assert len(set(values.tolist())) == len(python)


def test_estimate_tracks_exact_jaccard() -> None:
    rng = np.random.default_rng(7)
    vocabulary = [f"w{i}" for i in range(3000)]
    errors = []
    lefts, rights = [], []
    for _ in range(150):
        words = list(rng.choice(vocabulary, size=300))
        rate = rng.uniform(0.0, 0.6)
        edited = [w if rng.random() > rate else f"x{w}" for w in words]
        lefts.append(" ".join(words))
        rights.append(" ".join(edited))
    a, b = minhash_signatures(lefts), minhash_signatures(rights)
    for i in range(len(lefts)):
        errors.append(abs(signature_similarity(a[i], b[i]) - exact_jaccard(lefts[i], rights[i])))
    assert float(np.mean(errors)) <= 0.035
    assert float(np.max(errors)) <= 0.2


def test_band_keys_agree_exactly_when_bands_agree() -> None:
    text = " ".join(f"w{i}" for i in range(200))
    edited = text.replace("w150", "changed")
    sigs = minhash_signatures([text, text, edited, "something else entirely here now"])
    keys = band_keys(sigs, 16, 8)
    assert keys.shape == (4, 16)
    assert np.array_equal(keys[0], keys[1])
    assert np.any(keys[0] == keys[2])
    assert not np.any(keys[0] == keys[3])
    with pytest.raises(ConfigError, match="exceeds the signature length"):
        band_keys(sigs, 17, 8)
