"""MinHash signatures from raw text, and LSH band keys for candidate generation.

Signatures use *one permutation hashing with optimal densification* (Li, Owen and Zhang 2012;
Shrivastava 2017): each word n-gram is hashed once by a seeded 64-bit permutation; the high
bits pick one of ``num_perm`` slots, the low 32 bits are the value, and each slot keeps the
minimum value that falls into it. Slots no shingle fell into borrow the value of another slot
chosen by a seeded probe sequence that is the same for every document. For any two documents
the probability that slot ``k`` agrees equals their Jaccard similarity, as with ``num_perm``
independent permutations, but the work per shingle is constant instead of ``num_perm``
multiplications, which is what makes signatures cheap enough to compute from raw text in
numpy. The estimator's error is the classic MinHash error or lower
(``docs/benchmarks.md`` measures it against exact Jaccard).

Signatures of different ``num_perm``, ``ngram`` or ``seed`` are not comparable;
:func:`signature_similarity` refuses them when their shapes differ, and the dedup index
records the configuration it was built with.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from corpus.dedup.hashing import U64, _bounds, fmix64, hash_encoded, ngram_hashes
from corpus.errors import ConfigError

__all__ = [
    "EMPTY_SLOT",
    "band_keys",
    "minhash_signatures",
    "signature_similarity",
    "signatures_from_shingles",
]

U32 = npt.NDArray[np.uint32]

#: Slot value of a document without any shingle (every slot of the empty set's signature).
EMPTY_SLOT = np.uint32(0xFFFFFFFF)
_PROBES = 32
#: Texts are hashed in slices of about this many bytes: small enough to stay in cache.
_SLICE_BYTES = 1 << 18
_S32 = np.uint64(32)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _seed_key(seed: int, salt: int) -> np.uint64:
    mixed = fmix64(np.array([(seed * 0x2545F4914F6CDD1D + salt) % (1 << 64)], dtype=np.uint64))
    return np.uint64(mixed[0])


def _slot_of(hashes: U64, slots: int) -> npt.NDArray[np.int64]:
    """Map 64-bit hashes to ``[0, slots)`` by the high 32 bits (multiply-shift, unbiased)."""
    return (((hashes >> _S32) * np.uint64(slots)) >> _S32).astype(np.int64)


def _probe_table(slots: int, seed: int) -> npt.NDArray[np.int64]:
    """Row ``t`` gives, for every slot, the slot it borrows from at the ``t``-th probe."""
    grid = np.arange(_PROBES * slots, dtype=np.uint64) * _GOLDEN
    return _slot_of(fmix64(grid ^ _seed_key(seed, 2)), slots).reshape(_PROBES, slots)


def signatures_from_shingles(
    shingles: U64, owners: npt.NDArray[np.int64], n_docs: int, *, num_perm: int, seed: int
) -> U32:
    """Signatures (``n_docs`` × ``num_perm``, uint32) from shingle hashes and their documents.

    ``owners[k]`` is the document (row) of ``shingles[k]``. Rows without shingles are all
    :data:`EMPTY_SLOT`. Pure and deterministic.
    """
    permuted = fmix64(shingles ^ _seed_key(seed, 1))
    slots = _slot_of(permuted, num_perm)
    values = np.minimum(permuted & np.uint64(0xFFFFFFFF), np.uint64(0xFFFFFFFE)).astype(np.uint32)
    signature = np.full(n_docs * num_perm, EMPTY_SLOT, dtype=np.uint32)
    np.minimum.at(signature, owners * num_perm + slots, values)
    raw = signature.reshape(n_docs, num_perm)
    empty = raw == EMPTY_SLOT
    has_any = ~empty.all(axis=1)
    rows, cols = np.nonzero(empty & has_any[:, None])
    if len(rows) == 0:
        return raw
    dense = raw.copy()
    probes = _probe_table(num_perm, seed)
    for t in range(_PROBES):
        borrowed = raw[rows, probes[t, cols]]
        found = borrowed != EMPTY_SLOT
        dense[rows[found], cols[found]] = borrowed[found]
        rows, cols = rows[~found], cols[~found]
        if len(rows) == 0:
            return dense
    # Still empty after every probe (very sparse rows): take the next filled slot cyclically.
    for step in range(1, num_perm):
        borrowed = raw[rows, (cols + step) % num_perm]
        found = borrowed != EMPTY_SLOT
        dense[rows[found], cols[found]] = borrowed[found]
        rows, cols = rows[~found], cols[~found]
        if len(rows) == 0:
            break
    return dense


def minhash_signatures(
    texts: Sequence[str], *, num_perm: int = 128, ngram: int = 5, seed: int = 1
) -> U32:
    """MinHash signatures of the word ``ngram``-grams of ``texts``, one row per text.

    Words are maximal runs of non-whitespace (as ``str.split``); pass hashing keys
    (:func:`corpus.text.keys.hashing_key`) to compare texts the way :func:`corpus.find_duplicates`
    does. Returns a ``len(texts)`` × ``num_perm`` array of ``uint32``; the fraction of equal
    slots of two rows estimates the Jaccard similarity of the two n-gram sets
    (:func:`signature_similarity`). A text with fewer than ``ngram`` words has one shingle
    (all its words); a text without words has the all-:data:`EMPTY_SLOT` signature.
    """
    if isinstance(num_perm, bool) or not isinstance(num_perm, int) or num_perm < 1:
        raise ConfigError(
            f"num_perm={num_perm!r} is invalid: it must be a positive integer, e.g. 128"
        )
    if isinstance(ngram, bool) or not isinstance(ngram, int) or not 1 <= ngram <= 32:
        raise ConfigError(
            f"ngram={ngram!r} is invalid: it must be an integer from 1 to 32 (as in "
            "MinHashConfig), e.g. 5"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ConfigError(f"seed={seed!r} is invalid: it must be an integer in [0, 2**32)")
    result = np.empty((len(texts), num_perm), dtype=np.uint32)
    encoded = [t.encode("utf-8", "surrogatepass") for t in texts]
    for start, stop in _bounds([len(e) for e in encoded], _SLICE_BYTES):
        words = hash_encoded(encoded[start:stop])
        shingles, owners = ngram_hashes(words, ngram)
        result[start:stop] = signatures_from_shingles(
            shingles, owners, stop - start, num_perm=num_perm, seed=seed
        )
    return result


def signature_similarity(a: U32, b: U32) -> float:
    """Estimated Jaccard similarity of two signatures: the fraction of slots that agree.

    Raises :class:`~corpus.errors.ConfigError` when the signatures have different lengths
    (they were made with different ``num_perm`` and cannot be compared).
    """
    if a.shape != b.shape:
        raise ConfigError(
            f"signatures of shapes {a.shape} and {b.shape} cannot be compared: they were made "
            "with different num_perm; rebuild both with the same MinHashConfig"
        )
    return float(np.mean(a == b))


def band_keys(signatures: U32, bands: int, rows: int) -> U64:
    """One 64-bit key per (document, band): equal keys mean the band's slots all agree.

    Returns an ``n`` × ``bands`` array. The band number is mixed in, so keys of different
    bands never collide by construction. Rows of :data:`EMPTY_SLOT` get keys too; callers
    leave documents without shingles out of the index.
    """
    n = signatures.shape[0]
    if bands * rows > signatures.shape[1]:
        raise ConfigError(
            f"bands * rows = {bands} * {rows} exceeds the signature length "
            f"{signatures.shape[1]}; lower bands or rows"
        )
    block = signatures[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    weights = fmix64(np.arange(1, rows + 1, dtype=np.uint64) * _GOLDEN) | np.uint64(1)
    combined = np.sum(block * weights, axis=2, dtype=np.uint64)
    combined += np.arange(bands, dtype=np.uint64) * _GOLDEN
    return fmix64(combined)
