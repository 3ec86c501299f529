"""The compiled loops behind ``_kernels`` (numba; imported on first use, compiled once and cached).

Private. An id is read as two 64-bit words straight out of the Arrow string buffer (through an
unaligned 8-byte view of it: one load a word, no copy), plus its length; ids over 16 bytes also
compare their remaining bytes. The keys live in one hash table (open addressing, linear probing,
at most half full) whose 32-byte entries hold the key itself (its two words and its length), its
row and where its student's sums start: a lookup reads one entry, one cache line, and compares
the key word for word, so the answer is exact, never a hash guess.

Records are walked in file order, once, a block at a time: a first walk reads each id and hashes
it, unless it is the previous record's (a run of one student's records, as exports grouped by
student have: looked up once); then the block's lookups, with no branch on what they read, so
the processor overlaps their memory reads instead of waiting for each (records in random order
cost a cache miss each, and this keeps them cheap); the few ids not in their own slot then go
slot after slot.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_M = np.uint64(0x9E37_79B9_7F4A_7C15)  # 2**64 / golden ratio
_X1 = np.uint64(0xBF58_476D_1CE4_E5B9)  # splitmix64's finaliser
_X2 = np.uint64(0x94D0_49BB_1331_11EB)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)

# Columns of a table entry (uint64): the key's first word, second word, its length and row
# (META: length | row << 32; EMPTY: a free slot), and where the student's sums start, plus one
# (population row x categories + 1; 0: not counted).
W0, W1, META, FLAT = 0, 1, 2, 3
EMPTY = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
_BLOCK = 1024  # keys inserted, records resolved, at a time
LEN_MASK = np.uint64((1 << 32) - 1)  # no id's length: no previous record


def window(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``data`` (padded if under 16 bytes) and an unaligned little-endian 8-byte view at each of
    its byte offsets where 8 bytes fit: always a strided array, so one compiled loop takes all."""
    if len(data) < 16:
        data = np.concatenate([data, np.zeros(16, np.uint8)])
    return data, np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))


@njit(inline="always")
def _load(win, data, p, end):
    """The bytes [p, min(p + 8, end)) as a little-endian word, zero above."""
    m = end - p
    if m <= 0:
        return _ZERO
    if p < len(win):
        w = win[p]
        if m < 8:
            w &= (_ONE << np.uint64(8 * m)) - _ONE
        return w
    w = _ZERO
    for k in range(min(m, 8)):  # the last 7 bytes of the buffer
        w |= np.uint64(data[p + k]) << np.uint64(8 * k)
    return w


@njit(inline="always")
def _mix(h, w):
    h ^= w
    h *= _M
    return h ^ (h >> np.uint64(29))


@njit(inline="always")
def _hash(win, data, lo, hi, w0, w1):
    h = _mix(_mix(np.uint64(hi - lo) * _M, w0), w1)
    p = lo + 16
    while p < hi:  # ids over 16 bytes
        h = _mix(h, _load(win, data, p, hi))
        p += 8
    h *= _X1
    h ^= h >> np.uint64(32)
    h *= _X2
    return h ^ (h >> np.uint64(29))


@njit(inline="always")
def _tail_equal(awin, a, alo, bwin, b, blo, n):
    """Bytes 16.. of two ids of length ``n`` equal."""
    p = 16
    while p < n:
        if _load(awin, a, alo + p, alo + n) != _load(bwin, b, blo + p, blo + n):
            return False
        p += 8
    return True


@njit(inline="always")
def _log2(n):
    k = 0
    while (1 << (k + 1)) <= n:
        k += 1
    return k


@njit(inline="always")
def _is(table, s, w0, w1, ln, lo, rwin, rdata, koff, kwin, kdata):
    """Whether entry ``s`` holds the id (w0, w1, ln) at ``lo`` of the records' buffer."""
    m = table[s, META]
    return (
        m != EMPTY
        and table[s, W0] == w0
        and table[s, W1] == w1
        and (m & LEN_MASK) == np.uint64(ln)
        and (ln <= 16 or _tail_equal(rwin, rdata, lo, kwin, kdata, koff[np.int64(m >> 32)], ln))
    )


@njit(cache=True, nogil=True)
def build(koff, kwin, kdata, kvalid, start, table, first):
    """The keys into ``table`` (2**bits x 4 uint64, META all EMPTY on entry, at most half full),
    each with where its sums start (``start``, -1: not counted; empty: none are), and each key's
    first row (itself, or the row of the same key before it; -1 if missing) into ``first``.

    The table is allocated by numpy, which asks for huge pages: fewer TLB misses at random. A
    repeated key stays at its first row: later rows with it are not in the table."""
    bits = _log2(len(table))
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    for i in range(len(koff) - 1):
        if len(kvalid) and not kvalid[i]:
            first[i] = -1
            continue
        a, b = koff[i], koff[i + 1]
        w0 = _load(kwin, kdata, a, b)
        w1 = _load(kwin, kdata, a + 8, b)
        s = np.int64(_hash(kwin, kdata, a, b, w0, w1) >> shift)
        while True:
            if table[s, META] == EMPTY:
                table[s, W0], table[s, W1] = w0, w1
                table[s, META] = np.uint64(b - a) | (np.uint64(i) << np.uint64(32))
                table[s, FLAT] = np.uint64(start[i] + 1) if len(start) else _ZERO
                first[i] = i
                break
            if _is(table, s, w0, w1, b - a, a, kwin, kdata, koff, kwin, kdata):
                first[i] = np.int64(table[s, META] >> np.uint64(32))
                break
            s = (s + 1) & mask


@njit(inline="always")
def _probe(table, h, w0, w1, ln, lo, rwin, rdata, koff, kwin, kdata):
    """The slot of an id, from its own slot on (-1 if not a key)."""
    mask = len(table) - 1
    s = np.int64(h >> np.uint64(64 - _log2(len(table))))
    while True:
        if table[s, META] == EMPTY:
            return -1
        if _is(table, s, w0, w1, ln, lo, rwin, rdata, koff, kwin, kdata):
            return s
        s = (s + 1) & mask


@njit(inline="always")
def _buffers():
    """A walk's state (the last record's w0, w1, length, slot + 1; no record yet), and one
    block's scratch: (slots, pending records, slow ones) and (their hashes, w0s, w1s)."""
    state = np.zeros(4, dtype=np.uint64)
    state[2] = LEN_MASK
    return state, np.empty((3, _BLOCK), dtype=np.int64), np.empty((3, _BLOCK), dtype=np.uint64)


@njit(inline="always")
def _block(lo, hi, roff, rwin, rdata, rvalid, table, koff, kwin, kdata, state, ints, words):
    """The table slots of records [lo, hi) into ``ints[0, : hi - lo]`` (-1: not a key).

    ``state`` carries the last record's (w0, w1, length, slot + 1) from block to block."""
    got, pend, miss = ints[0], ints[1], ints[2]
    ph, pw0, pw1 = words[0], words[1], words[2]
    last = np.int64(state[3]) - 1  # the slot a run continued from the block before has
    k = 0
    for i in range(lo, hi):
        j = i - lo
        if len(rvalid) and not rvalid[i]:
            got[j] = -1
            state[2] = LEN_MASK  # no run across a missing id
            continue
        a, b = roff[i], roff[i + 1]
        ln = b - a
        w0 = _load(rwin, rdata, a, b)
        w1 = _load(rwin, rdata, a + 8, b)
        if (
            state[2] == np.uint64(ln)
            and state[0] == w0
            and state[1] == w1
            and (ln <= 16 or _tail_equal(rwin, rdata, a, rwin, rdata, roff[i - 1], ln))
        ):
            got[j] = -2  # the previous record's
            continue
        state[0], state[1], state[2] = w0, w1, np.uint64(ln)
        pend[k], ph[k], pw0[k], pw1[k] = j, _hash(rwin, rdata, a, b, w0, w1), w0, w1
        k += 1
    # The lookups: each id's own slot, with no branch on what is read (a mispredicted branch
    # would wait for the memory); the few not settled there go slot after slot below.
    shift = np.uint64(64 - _log2(len(table)))
    slow = 0
    for q in range(k):
        s = np.int64(ph[q] >> shift)
        j = pend[q]
        ln = np.uint64(roff[lo + j + 1] - roff[lo + j])
        ok = (
            (table[s, W0] == pw0[q])
            & (table[s, W1] == pw1[q])
            & (table[s, META] & LEN_MASK == ln)
            & (table[s, META] != EMPTY)
            & (ln <= np.uint64(16))
        )
        got[j] = s
        miss[slow] = q
        slow += 0 if ok else 1
    for m in range(slow):
        q = miss[m]
        j = pend[q]
        a = roff[lo + j]
        got[j] = _probe(table, ph[q], pw0[q], pw1[q], roff[lo + j + 1] - a, a,
                        rwin, rdata, koff, kwin, kdata)  # fmt: skip
    for j in range(hi - lo):
        if got[j] == -2:
            got[j] = last
        else:
            last = got[j]
    state[3] = np.uint64(last + 1)


@njit(cache=True, nogil=True)
def rows_of(roff, rwin, rdata, rvalid, table, koff, kwin, kdata, out):
    """Each record's key row (or -1) into ``out``."""
    state, ints, words = _buffers()
    n = len(roff) - 1
    for lo in range(0, n, _BLOCK):
        hi = min(lo + _BLOCK, n)
        _block(lo, hi, roff, rwin, rdata, rvalid, table, koff, kwin, kdata, state, ints, words)
        for j in range(hi - lo):
            s = ints[0, j]
            out[lo + j] = np.int64(table[s, META] >> np.uint64(32)) if s >= 0 else -1


@njit(cache=True, nogil=True)
def add_units(roff, rwin, rdata, rvalid, table, koff, kwin, kdata, codes, units, dates, limit,
              out):  # fmt: skip
    """Each record's units added to its student's sum of its category (``out[start + code]``);
    records of students not counted, dated after ``limit`` or without a category are skipped.
    Returns the number of records whose id is not a key (or is missing)."""
    state, ints, words = _buffers()
    unknown = 0
    n = len(roff) - 1
    for lo in range(0, n, _BLOCK):
        hi = min(lo + _BLOCK, n)
        _block(lo, hi, roff, rwin, rdata, rvalid, table, koff, kwin, kdata, state, ints, words)
        for j in range(hi - lo):
            s = ints[0, j]
            if s < 0:
                unknown += 1
                continue
            i = lo + j
            start = np.int64(table[s, FLAT]) - 1  # stored + 1: 0 is not counted
            if start < 0 or dates[i] > limit or codes[i] < 0:
                continue
            out[start + codes[i]] += units[i]
    return unknown
