"""The compiled loops behind ``_kernels`` (numba; imported on first use, compiled once and cached).

Private. An id is read as two 64-bit words straight out of the Arrow string buffer (through an
unaligned 8-byte view of it: one load a word, no copy), plus its length; ids over 16 bytes also
compare their remaining bytes. The keys live in one hash table (open addressing, linear probing,
a quarter or half full) whose 32-byte entries hold the key itself (its two words and its length),
its row and where its student's sums start. The table is aligned to the 64-byte cache line, so a
line holds two whole entries, and a key's hash names a line (its first entry): nearly every key
is in its own line, and a lookup reads that one line and compares the key word for word, so the
answer is exact, never a hash guess.

Records are walked in file order, once, a block at a time:

1. each id is read and hashed, unless it is the previous record's (a run of one student's
   records, as exports grouped by student have: looked up once), and its line is asked for
   ahead of use (a prefetch), so the block's memory reads overlap instead of queueing;
2. the two entries of each id's line are compared, with no branch on what is read (a
   mispredicted branch would wait for the memory and throw away the reads behind it);
3. the few ids not found in their line (not keys, or keys pushed past it: 3 keys in 100 at a
   quarter full, 11 at half full) ask for the next line, then go entry after entry; an id over
   16 bytes first asks for the rest of the key its line holds with the same first 16 bytes
   and length, then compares it;
4. each record of a run takes its run's answer.

Records in random order cost a cache miss each in steps 1 and 2 (and one more where the sums
go); the prefetches let a block's misses overlap.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from . import arrays

_M = np.uint64(0x9E37_79B9_7F4A_7C15)  # 2**64 / golden ratio
_X1 = np.uint64(0xBF58_476D_1CE4_E5B9)  # splitmix64's finaliser
_X2 = np.uint64(0x94D0_49BB_1331_11EB)
_ONE = np.uint64(1)
_ZERO = np.uint64(0)

# Columns of a table entry (uint64): the key's first word, second word, its length and row
# (META: length | (row + 1) << 32; EMPTY, 0: a free slot), and where the student's sums start, plus one
# (population row x categories + 1; 0: not counted).
W0, W1, META, FLAT = 0, 1, 2, 3
EMPTY = np.uint64(0)  # so a new table is all zeros
_BLOCK = 128  # records resolved at a time: their lines, asked for together, stay in the cache
LEN_MASK = np.uint64((1 << 32) - 1)  # no id's length: no previous record


def new_table(keys: int, *, spare: int = 4) -> np.ndarray:
    """An empty table for ``keys`` keys: 2**bits x 4 uint64 (bits >= 4), at most 1/``spare``
    full, starting on a 64-byte cache line, so that no entry straddles two lines. A quarter
    full, 3 keys in 100 are pushed past their line; half full, 11 in 100, at half the memory
    (``_kernels`` chooses: a quarter when there are many records a key to look up)."""
    rows = 1 << max(4, int(spare * keys - 1).bit_length())
    return arrays.zeros(rows * 4, np.uint64).reshape(rows, 4)  # every slot EMPTY; 64-byte aligned


@intrinsic
def _prefetch(typingctx, arr, i):  # noqa: ARG001 (numba passes the typing context)
    """Ask for the cache line of ``arr[i]`` (of row ``i`` of a 2-d array) ahead of its use: LLVM's
    ``prefetch``, a hint that never faults."""
    if not isinstance(arr, types.Array) or not isinstance(i, types.Integer):
        return None

    def codegen(context, builder, sig, args):  # noqa: ANN001, ANN202
        aryty = sig.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        at = [context.cast(builder, args[1], sig.args[1], types.intp)] + [zero] * (aryty.ndim - 1)
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, at, wraparound=False)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0"
        )
        # read (0), keep in all cache levels (3), data (1)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(arr, i), codegen


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
def row(meta):
    """The key row an entry's META holds."""
    return np.int64(meta >> np.uint64(32)) - 1


@njit(inline="always")
def _is(table, s, w0, w1, ln, lo, rwin, rdata, koff, kwin, kdata):
    """Whether entry ``s`` holds the id (w0, w1, ln) at ``lo`` of the records' buffer."""
    m = table[s, META]
    return (
        m != EMPTY
        and table[s, W0] == w0
        and table[s, W1] == w1
        and (m & LEN_MASK) == np.uint64(ln)
        and (ln <= 16 or _tail_equal(rwin, rdata, lo, kwin, kdata, koff[row(m)], ln))
    )


@njit(inline="always")
def _home(h, shift):
    """The slot a hash starts from: the first entry of a cache line (an even slot)."""
    return np.int64(h >> shift) & ~np.int64(1)


@njit(cache=True, nogil=True)
def build(koff, kwin, kdata, kvalid, start, table, first):
    """The keys into ``table`` (``new_table``), each with where its sums start (``start``, -1:
    not counted; empty: none are), and each key's first row (itself, or the row of the same key
    before it; -1 if missing) into ``first``.

    A repeated key stays at its first row: later rows with it are not in the table."""
    mask = len(table) - 1
    shift = np.uint64(64 - _log2(len(table)))
    home = np.empty(_BLOCK, dtype=np.int64)
    words = np.empty((2, _BLOCK), dtype=np.uint64)
    n = len(koff) - 1
    for lo in range(0, n, _BLOCK):  # a block's lines asked for, then its keys in order
        hi = min(lo + _BLOCK, n)
        for i in range(lo, hi):
            a, b = koff[i], koff[i + 1]
            w0 = _load(kwin, kdata, a, b)
            w1 = _load(kwin, kdata, a + 8, b)
            s = _home(_hash(kwin, kdata, a, b, w0, w1), shift)
            _prefetch(table, s)
            home[i - lo], words[0, i - lo], words[1, i - lo] = s, w0, w1
        for i in range(lo, hi):
            if len(kvalid) and not kvalid[i]:
                first[i] = -1
                continue
            a, b = koff[i], koff[i + 1]
            s, w0, w1 = home[i - lo], words[0, i - lo], words[1, i - lo]
            while True:
                if table[s, META] == EMPTY:
                    table[s, W0], table[s, W1] = w0, w1
                    table[s, META] = np.uint64(b - a) | (np.uint64(i + 1) << np.uint64(32))
                    table[s, FLAT] = np.uint64(start[i] + 1) if len(start) else _ZERO
                    first[i] = i
                    break
                if _is(table, s, w0, w1, b - a, a, kwin, kdata, koff, kwin, kdata):
                    first[i] = row(table[s, META])
                    break
                s = (s + 1) & mask


@njit(inline="always")
def _probe(table, s, w0, w1, ln, lo, rwin, rdata, koff, kwin, kdata):
    """The slot of an id, entry after entry from slot ``s`` (its home) on (-1 if not a key)."""
    mask = len(table) - 1
    while True:
        if table[s, META] == EMPTY:
            return -1
        if _is(table, s, w0, w1, ln, lo, rwin, rdata, koff, kwin, kdata):
            return s
        s = (s + 1) & mask


@njit(inline="always")
def _found(table, s, w0, w1, ln):
    """Entry ``s`` holds the id (w0, w1, ln) of at most 16 bytes: with no branch."""
    m = table[s, META]
    return (table[s, W0] == w0) & (table[s, W1] == w1) & ((m & LEN_MASK) == ln) & (m != EMPTY)


@njit(inline="always")
def _buffers():
    """A walk's state (the last record's w0, w1, length, slot + 1; no record yet), and one
    block's scratch: (slots, homes) and (w0s, w1s)."""
    state = np.zeros(4, dtype=np.uint64)
    state[2] = LEN_MASK
    return state, np.empty((2, _BLOCK), dtype=np.int64), np.empty((2, _BLOCK), dtype=np.uint64)


@njit(inline="always")
def _block(lo, hi, roff, rwin, rdata, rvalid, table, koff, kwin, kdata, state, ints, words):
    """The table slots of records [lo, hi) into ``ints[0, : hi - lo]`` (-1: not a key).

    ``state`` carries the last record's (w0, w1, length, slot + 1) from block to block."""
    got, home = ints[0], ints[1]
    pw0, pw1 = words[0], words[1]
    mask = len(table) - 1
    shift = np.uint64(64 - _log2(len(table)))
    # 1. Read and hash each id (-2: the previous record's, -1: missing); ask for its line.
    for i in range(lo, hi):
        j = i - lo
        if len(rvalid) and not rvalid[i]:
            home[j] = -1
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
            home[j] = -2
            continue
        state[0], state[1], state[2] = w0, w1, np.uint64(ln)
        s = _home(_hash(rwin, rdata, a, b, w0, w1), shift)
        _prefetch(table, s)
        home[j], pw0[j], pw1[j] = s, w0, w1
    # 2. Compare the two entries of each id's line, with no branch on what is read (-3: not
    # there, or an id over 16 bytes).
    for j in range(hi - lo):
        s = home[j]
        if s < 0:
            got[j] = s
            continue
        ln = np.uint64(roff[lo + j + 1] - roff[lo + j])
        w0, w1 = pw0[j], pw1[j]
        ok0 = _found(table, s, w0, w1, ln) & (ln <= np.uint64(16))
        ok1 = _found(table, s + 1, w0, w1, ln) & (ln <= np.uint64(16))
        f = np.int64(ok0 | ok1)
        got[j] = (s + 1 - np.int64(ok0)) * f - 3 * (1 - f)
    # 3. The rest: ask for the next line; for an id over 16 bytes whose line has an entry with
    # its first 16 bytes and its length, ask for that key's remaining bytes (-4 - slot: to be
    # compared). Then compare them, or go entry after entry from the home slot.
    for j in range(hi - lo):
        if got[j] != -3:
            continue
        s = home[j]
        _prefetch(table, (s + 2) & mask)
        ln = np.uint64(roff[lo + j + 1] - roff[lo + j])
        if ln > np.uint64(16):
            c = s if _found(table, s, pw0[j], pw1[j], ln) else s + 1
            if _found(table, c, pw0[j], pw1[j], ln):
                _prefetch(kdata, koff[row(table[c, META])] + 16)
                got[j] = -4 - c
    for j in range(hi - lo):
        if got[j] > -3:
            continue
        a, b = roff[lo + j], roff[lo + j + 1]
        c = -4 - got[j]
        if c >= 0 and _tail_equal(rwin, rdata, a, kwin, kdata, koff[row(table[c, META])], b - a):
            got[j] = c
        else:
            got[j] = _probe(
                table, home[j], pw0[j], pw1[j], b - a, a, rwin, rdata, koff, kwin, kdata
            )
    # 4. A run's records take its answer; one continued from the block before, that block's.
    last = np.int64(state[3]) - 1
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
            out[lo + j] = row(table[s, META]) if s >= 0 else -1


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
        # Where each record's units go (-1: nowhere), and ask for that place ahead of the adds.
        got = ints[0]
        for j in range(hi - lo):
            s = got[j]
            i = lo + j
            start = np.int64(table[max(s, 0), FLAT]) - 1  # stored + 1: 0 is not counted
            ok = (s >= 0) & (start >= 0) & (dates[i] <= limit) & (codes[i] >= 0)
            unknown += np.int64(s < 0)
            got[j] = start + codes[i] if ok else -1
            if ok:
                _prefetch(out, start + codes[i])
        for j in range(hi - lo):
            p = got[j]
            if p >= 0:
                out[p] += units[lo + j]
    return unknown
