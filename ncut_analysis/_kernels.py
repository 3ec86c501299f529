"""The fast join behind ``thresholds``: the row of each record's student id among the students'.

Private. One hash table of the students' ids, built once and probed by every record, whatever
the records' order. Arrow's ``index_in`` (and pandas' hash tables) probe with a string
comparison and a few cache misses per record; records in random order then cost a miss per
record in a table far larger than the caches (measured: 10M shuffled ids into 1M keys, 4-6x
slower than the same ids grouped). Here an id up to 32 bytes is read as up to four 64-bit
words straight from the Arrow string buffer (no copy, no padding pass), hashed with a few
vectorised multiplies, and looked up in an open-addressing table of one 64-bit entry per slot
(the key's row and the high bits of its hash), so a probe is one memory access; the few
candidates are then checked word for word, so the answer is exact, not probabilistic. Ids
longer than 32 bytes, missing keys or repeated keys go to Arrow's ``index_in`` instead.
"""

from __future__ import annotations

import os

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .io import map_threads

__all__ = ["index_in", "slices"]

_MAX_WORDS = 4  # ids up to 32 bytes
_CHUNK = 1 << 18  # records probed at a time: the temporaries stay small and in cache
_SPREAD = 4  # table slots per key, at least: short probe runs
_EMPTY = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
_MUL = np.uint64(0x9E37_79B9_7F4A_7C15)  # 2**64 / golden ratio (Fibonacci hashing)
_MIX = np.uint64(0xBF58_476D_1CE4_E5B9)  # splitmix64's finaliser constants
_MIX2 = np.uint64(0x94D0_49BB_1331_11EB)
# _LOW[k]: the low k bytes of a little-endian word (the first k characters), k = 0..8
_LOW = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)


def slices(n: int, parts: int | None = None) -> list[tuple[int, int]]:
    """``[0, n)`` cut into one slice per core (or ``parts`` slices)."""
    k = parts if parts is not None else min(os.cpu_count() or 1, 8)
    bounds = np.linspace(0, n, max(k, 1) + 1).astype(int)
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def _chunks(a: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return list(a.chunks) if isinstance(a, pa.ChunkedArray) else [a]


def _as_strings(a: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if pa.types.is_string(a.type) or pa.types.is_large_string(a.type):
        return a
    if pa.types.is_dictionary(a.type):
        a = a.cast(a.type.value_type)
    return a.cast(pa.string())


def _layout(a: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start offsets, lengths, data bytes) of a string array, views of its buffers."""
    width = np.dtype(np.int64 if pa.types.is_large_string(a.type) else np.int32)
    bufs = a.buffers()
    off = np.frombuffer(bufs[1], dtype=width, count=len(a) + 1, offset=a.offset * width.itemsize)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    return off[:-1], np.diff(off), data


def _words(a: pa.Array, nwords: int) -> tuple[np.ndarray, np.ndarray]:
    """Each string as ``nwords`` little-endian 64-bit words (bytes past its end zero), and its
    length in bytes. Words are read in place from the data buffer through an unaligned 8-byte
    sliding view: one gather per word, no copy of the text."""
    starts, lens, data = _layout(a)
    n = len(a)
    out = np.zeros((n, nwords), dtype=np.uint64)
    span = 8 * nwords
    # Rows whose last word would read past the buffer (the last few) use a padded copy of the tail.
    cut = int(np.searchsorted(starts, len(data) - span, side="right")) if n else 0
    parts = [(0, cut, data, 0)]
    if cut < n:
        base = int(starts[cut])
        parts.append((cut, n, np.concatenate([data[base:], np.zeros(span, np.uint8)]), base))
    for lo, hi, buf, base in parts:
        if hi <= lo:
            continue
        window = np.ndarray((len(buf) - 7,), dtype="<u8", buffer=buf, strides=(1,))
        s = starts[lo:hi].astype(np.intp) - base
        ln = lens[lo:hi]
        for j in range(nwords):
            keep = _LOW[np.clip(ln - 8 * j, 0, 8)]
            np.bitwise_and(window[s + 8 * j], keep, out=out[lo:hi, j])
    return out, lens.astype(np.uint8)


def _hash(words: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """A 64-bit hash of (words, length): splitmix64 over each word in turn."""
    h = lens.astype(np.uint64) * _MUL
    with np.errstate(over="ignore"):
        for j in range(words.shape[1]):
            h ^= words[:, j]
            h *= _MUL
            h ^= h >> np.uint64(29)
        h *= _MIX
        h ^= h >> np.uint64(32)
        h *= _MIX2
        h ^= h >> np.uint64(29)
    return h


class _Table:
    """Open addressing with linear probing over 2**k slots (at most a quarter full). A slot holds
    the key's row in its low ``bits`` bits and its hash's high bits above them, so one read tells
    an empty slot, a different key (almost always) or a candidate, which is then compared with
    the key word for word (one more read: a key's words are one record of ``8 * nwords`` bytes)."""

    def __init__(self, words: np.ndarray, lens: np.ndarray) -> None:
        n, nwords = words.shape
        self.nwords = nwords
        self.keys = np.ascontiguousarray(words).view(f"V{8 * nwords}").ravel()
        self.lens = lens.astype(np.uint8)  # ids of at most 32 bytes
        self.bits = max(1, int(n).bit_length())  # all ones in the row bits is no row: > n - 1
        self.k = max(10, int(_SPREAD * n - 1).bit_length())
        self.low = np.uint64((1 << self.bits) - 1)
        h = _hash(words, lens)
        table = np.full(1 << self.k, _EMPTY, dtype=np.uint64)
        entry = (h & ~self.low) | np.arange(n, dtype=np.uint64)
        pos = (h >> np.uint64(64 - self.k)).astype(np.intp)
        pending = np.arange(n, dtype=np.intp)
        mask = (1 << self.k) - 1
        while len(pending):
            # Lower rows first into a free slot, so that a repeated key is found at its first row.
            s = pos[pending]
            free = table[s] == _EMPTY
            cand, cs = pending[free], s[free]
            table[cs[::-1]] = entry[cand[::-1]]  # of several writers, the first (lowest row) wins
            won = table[cs] == entry[cand]
            left = np.concatenate([pending[~free], cand[~won]])
            left.sort()
            pos[left] = (pos[left] + 1) & mask
            pending = left
        self.table = table

    def probe(self, words: np.ndarray, lens: np.ndarray, out: np.ndarray) -> None:
        """Each value's key row into ``out`` (-1 where absent)."""
        h = _hash(words, lens)
        pos = (h >> np.uint64(64 - self.k)).astype(np.intp)
        tag = h & ~self.low
        # The first probe over every value, without compacting (most are settled by it) ...
        e = self.table[pos]
        key = e & self.low
        hit = ((e ^ tag) <= self.low) & (e != _EMPTY)  # the same hash bits: a candidate
        key[~hit] = 0
        key = key.astype(np.intp)
        same = self._same(key, words, lens)
        same &= hit
        np.copyto(out, key, casting="unsafe")
        out[~same] = -1
        # ... then the others, slot after slot, until their key or an empty slot.
        rows = np.flatnonzero(~same & (e != _EMPTY))
        p, t, w, n = pos[rows], tag[rows], words[rows], lens[rows]
        mask = (1 << self.k) - 1
        while len(rows):
            p = (p + 1) & mask
            e = self.table[p]
            cand = np.flatnonzero(((e ^ t) <= self.low) & (e != _EMPTY))
            if len(cand):
                key = (e[cand] & self.low).astype(np.intp)
                ok = self._same(key, w[cand], n[cand])
                out[rows[cand[ok]]] = key[ok]
                e[cand[ok]] = _EMPTY  # found: done
            more = e != _EMPTY
            rows, p, t, w, n = rows[more], p[more], t[more], w[more], n[more]

    def _same(self, key: np.ndarray, words: np.ndarray, lens: np.ndarray) -> np.ndarray:
        """Whether key ``key[i]`` is value ``i`` (same length, same words)."""
        got = np.take(self.keys, key).view(np.uint64).reshape(-1, self.nwords)
        same = np.take(self.lens, key) == lens
        for j in range(self.nwords):
            same &= got[:, j] == words[:, j]
        return same


def index_in(values: pa.Array | pa.ChunkedArray, keys: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """For each value, the row of the first equal key (int32), -1 if absent or missing.

    ``values`` and ``keys`` are Arrow text (or dictionary-encoded text) arrays.
    """
    values, keys = _as_strings(values), _as_strings(keys)
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    n = len(values)
    if len(keys) == 0:
        return np.full(n, -1, dtype=np.int32)
    width = 0
    for a in (keys, values):
        if len(a) and a.null_count < len(a):
            width = max(width, int(pc.max(pc.binary_length(a)).as_py()))
    nwords = max(1, -(-width // 8))
    if keys.null_count or nwords > _MAX_WORDS or len(keys) >= 2**31 - 1:
        return _arrow_index_in(values, keys)
    kw, kl = _words(keys, nwords)
    table = _Table(kw, kl)
    out = np.empty(n, dtype=np.int32)
    jobs, lo = [], 0
    for ch in _chunks(values):
        for a, b in slices(len(ch), -(-len(ch) // _CHUNK)):
            jobs.append((ch.slice(a, b - a), lo + a))
        lo += len(ch)

    def run(job: tuple[pa.Array, int]) -> None:
        part, at = job
        w, ln = _words(part, nwords)
        dest = out[at : at + len(part)]
        # Records often come in runs of one student's (an export grouped by student): then only
        # the first of each run is hashed and probed, the answer repeated along the run.
        start = np.empty(len(ln), dtype=bool)
        start[:1] = True
        np.not_equal(ln[1:], ln[:-1], out=start[1:])
        for j in range(nwords):
            start[1:] |= w[1:, j] != w[:-1, j]
        first = np.flatnonzero(start)
        if len(first) <= 0.75 * len(ln):
            found = np.empty(len(first), dtype=np.int32)
            table.probe(w[first], ln[first], found)
            dest[:] = np.repeat(found, np.diff(np.append(first, len(ln))))
        else:
            table.probe(w, ln, dest)
        if part.null_count:
            dest[~part.is_valid().to_numpy(zero_copy_only=False)] = -1

    map_threads(run, jobs)
    return out


def _arrow_index_in(values: pa.Array | pa.ChunkedArray, keys: pa.Array) -> np.ndarray:
    """Arrow's hash lookup, for what the table does not take (ids over 32 bytes, missing keys)."""
    found = pc.index_in(values, value_set=keys)
    return pc.fill_null(found, -1).to_numpy().astype(np.int32)
