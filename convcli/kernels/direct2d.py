"""Direct strided, dilated 2-D correlation with boundary handling by index mapping.

``out[r, q] = sum_{a,t} X[oy + r*sy + a*dy, ox + q*sx + t*dx] * c[a, t]`` where ``X`` is ``x``
extended by the boundary rule. Rows outside the image are mapped (free; with the zero boundary they
read a row of zeros, so that the summation grouping never depends on where a row falls). Columns
are split into an interior range, where every tap is inside the image, and the border columns on
either side. Those are computed transposed: the few input columns they read, extended by the
boundary rule, become the rows of a small array (``_patch_t``), so that each border column of the
output is a long row computed with the same vectorised loops as the interior (with the transposed
kernel). The interior is computed in
blocks of kernel rows x taps, one pass over unit-stride views of the rows per block
(``direct_passes.py``; the first pass stores, the others add (with column dilation 1 they store
into a scratch row that is then added); ``group`` splits a length into near-equal
groups): up to 7 x 7 with column dilation 1, else 3 x 5, so a kernel up to 7x7 loads
and stores each output row once. At unit column stride with the row stride equal to the row
dilation, consecutive output rows are computed together, four with column dilation 1
(``block_fast``), else three (``block_rows``): they share all but a few input rows, so each loaded
input vector serves several output rows; kernels of at most ``ONE_ROW_TAPS`` (9) taps with column
dilation 1 are computed one row at a time by loops that run over all of a block's rows themselves
(``block_one``, the same sums in the same order: with so
few taps the shared loads save less than four chains cost, tools/gen_direct_passes.py). A row
computed alone (the last rows of a block, or rows that share no inputs) goes through the same loop
as in a group, its companions written to a scratch buffer, or through the loop with the same
blocks and order, so every output sample has the same bits whichever way (and by whichever
thread) it was computed. With column dilation 1 a column stride above 1 computes the unit-stride
row and keeps every ``sx``-th sample (vectorised; the strided loop ``_block_strided``, one sample
at a time, took 24-26 ms for a 2048^2 7x7 at stride 2, this 11 ms).
Very wide images are cut into column tiles of ``TILE`` samples so that the rows being combined stay
in the 1 MiB L2 cache (a 7-row block reads 10 rows: 640 KiB). Tiles of 2048 had been 5-15 % slower
(2026-11-28): a 3x3 at 4096x4096 7.7-8.2 -> 7.2-7.5 ms, an RGB 4096x2048 15.2-16.3 -> 13.0-13.6 ms;
a narrow tile cuts each row's stream into short pieces (the likely cause). Work is split
into blocks of output rows (or, for a single row, column chunks), handed out as threads come free,
the caller's from the first block on and the workers' from the last one back (``kernels/handout.py``;
a 3x3 at float32 2048x2048 4-9 %, a 5x5 1-4 %, a 7x7 1-2 % faster than a fixed half each, two
threads, 2026-11-28); each output sample is computed by one thread in a fixed order, so the result
does not depend on the number of threads or on which thread took which block.

With a non-empty ``counts`` (unit stride and dilation only), each block also counts NaN/Inf samples
in the output rows it wrote, right after writing them (while they are in cache): a NaN or Inf
input sample makes every output that reads it non-finite (``0*Inf`` and ``Inf-Inf`` are NaN), so
the caller can skip a separate pass over the input when none is found. Only the rows ``r`` with
``r % kh == 0`` and the last row are counted (border columns, computed transposed: columns
``q % kw == 0`` and the last): the outputs reading input row ``i`` are ``kh`` consecutive rows, or
a run cut off by the first or the last output row, so one of them is counted, and a counted row
reads every input column. For a 3x3 kernel that is a third of the work of counting every output.
Kernels of at most ``FLAG_TAPS`` (25) taps in one block at unit column stride and dilation count
nothing afterwards: the loop that computes the rows reports whether any of its sums is NaN or Inf
(the entry is then positive rather than a count; the scratch rows a loop computes past the last
row read only rows the real ones read, or zeros). That check costs less than reading a third of
the rows again for a 3x3 and a 5x5 and more for larger kernels (``tools/gen_direct_passes.py``).

Integer arguments and loop counters that would start as a constant are made ``np.int64`` first:
Numba types a bare ``0`` as ``Literal[int](0)``, and type inference then compiled every callee a
second time for the literal (every generated loop twice; first-ever compile of this kernel 224 s).
"""

import numpy as np
from numba import njit, prange

from convcli.kernels.boundary import image_row, map_column, map_index
from convcli.kernels.direct_passes import FLAG_TAPS, ONE_ROW_TAPS, block_fast, block_one, block_rows, block_unit
from convcli.kernels.handout import finished, new_tally, take, wait_all
from convcli.kernels.spread import caller, new_team, settle

TILE = 16384  # interior output columns per tile (see the module doc)
ROWS = 3  # kernel rows per block (column dilation > 1)
TAPS = 5  # taps per block (column dilation > 1; also the separable kernel's horizontal passes)
FAST_ROWS = 7  # kernel rows per block, column dilation 1 (direct_passes.block_fast)
FAST_TAPS = 7
FAST_OUT = 4  # output rows per block_fast pass


@njit(cache=True)
def group(k, most, g):
    """Size of group ``g`` when ``k`` items are cut into ``ceil(k/most)`` near-equal groups."""
    n = (k + most - 1) // most
    return k // n + (1 if g < k % n else 0)


@njit(cache=True)
def _block_strided(o, r0, r1, r2, c, a, t, nr, nt, b, sx, dx, n, assign):
    # the same products summed in the same order as block_unit's loops, so that a strided output
    # is bit-for-bit the unit-stride output subsampled (column dilation > 1; with dilation 1,
    # _columns subsamples block_fast's unit-stride row)
    for j in range(n):
        p = b + j * sx
        s = c[a, t] * r0[p]
        for k in range(1, nt):
            s += c[a, t + k] * r0[p + k * dx]
        if nr > 1:
            for k in range(nt):
                s += c[a + 1, t + k] * r1[p + k * dx]
        if nr > 2:
            for k in range(nt):
                s += c[a + 2, t + k] * r2[p + k * dx]
        if assign:
            o[j] = s
        else:
            o[j] += s


@njit(cache=True)
def nonfinite(v):
    """Number of NaN and Inf samples in the 1-D ``v``."""
    count = 0
    for j in range(v.shape[0]):
        d = v[j] - v[j]  # 0 for finite samples, NaN for NaN and +-Inf
        count += d != d
    return count


@njit(cache=True)
def _patch_t(x, oy, ox, sy, sx, dy, dx, kh, kw, oh, q0, q1, boundary, nch):
    """``P[j, i]`` = extended input at row ``oy + i``, column ``ox + q0*sx + j``: every sample that
    outputs ``(0..oh-1, q0..q1-1)`` read, transposed (zeros outside for ``zero``). With ``nch > 1``
    the columns are ``nch`` interleaved channels, extended pixel by pixel."""
    height, width = x.shape
    p = (q1 - 1 - q0) * sx + (kw - 1) * dx + 1 if q1 > q0 else 0
    h = (oh - 1) * sy + (kh - 1) * dy + 1 if q1 > q0 else 0
    cols = np.empty(p, dtype=np.int64)
    for j in range(p):
        cols[j] = map_column(ox + q0 * sx + j, width, boundary, nch)
    patch = np.empty((p, h), dtype=x.dtype)
    for i in range(h):
        iy = map_index(oy + i, height, boundary)
        for j in range(p):
            patch[j, i] = x[iy, cols[j]] if iy >= 0 and cols[j] >= 0 else 0
    return patch


@njit(cache=True)
def _interior(o, x, zero, c, r, q0, n, oy, ox, sy, sx, dy, dx, boundary):
    # one output row, column dilation > 1 (dilation 1 goes through _interior_fast)
    kh, kw = c.shape
    first = True
    a = np.int64(0)  # not a literal (see the module doc)
    for ga in range((kh + ROWS - 1) // ROWS):
        nr = group(kh, ROWS, ga)
        y = oy + r * sy + a * dy
        r0 = image_row(x, zero, y, boundary)
        r1 = _live_row(x, zero, y + dy, nr > 1, boundary)
        r2 = _live_row(x, zero, y + 2 * dy, nr > 2, boundary)
        t = np.int64(0)
        for gt in range((kw + TAPS - 1) // TAPS):
            nt = group(kw, TAPS, gt)
            if sx != 1:
                _block_strided(o, r0, r1, r2, c, a, t, nr, nt, ox + q0 * sx + t * dx, sx, dx, n, first)
            else:
                block_unit(o, r0, r1, r2, r0, r0, r0, c, a, t, nr, nt, ox + q0 + t * dx, dx, n, first)
            first = False
            t += nt
        a += nr


@njit(cache=True)
def _interior_rows(o0, o1, o2, x, zero, c, r, q0, n, oy, ox, sy, dy, dx, boundary):
    # output rows r, r + 1, r + 2 at unit column stride with sy == dy: row r + m's kernel row a
    # reads row r's kernel row a + m, so each block reads nr + 2 input rows for all three; the
    # blocks and the order within them are _interior's, so every row is bit-for-bit _interior's
    kh, kw = c.shape
    first = True
    a = np.int64(0)  # not a literal (see the module doc)
    for ga in range((kh + ROWS - 1) // ROWS):
        nr = group(kh, ROWS, ga)
        y = oy + r * sy + a * dy
        s0 = image_row(x, zero, y, boundary)
        s1 = image_row(x, zero, y + dy, boundary)
        s2 = image_row(x, zero, y + 2 * dy, boundary)
        s3 = s2
        s4 = s2
        if nr > 1:
            s3 = image_row(x, zero, y + 3 * dy, boundary)
        if nr > 2:
            s4 = image_row(x, zero, y + 4 * dy, boundary)
        t = np.int64(0)
        for gt in range((kw + TAPS - 1) // TAPS):
            nt = group(kw, TAPS, gt)
            block_rows(o0, o1, o2, s0, s1, s2, s3, s4, c, a, t, nr, nt, ox + q0 + t * dx, dx, n, first)
            first = False
            t += nt
        a += nr


@njit(cache=True)
def _live_row(x, zero, y, ok, boundary):
    return image_row(x, zero, y, boundary) if ok else zero


@njit(cache=True)
def _add_into(o, v, n):
    for j in range(n):
        o[j] += v[j]


@njit(cache=True)
def _interior_fast(o0, o1, o2, o3, live, x, zero, c, y0, q0, n, ox, dy, boundary, part):
    # ``live`` output rows (<= FAST_OUT; the other outputs are scratch rows) at unit column stride
    # and column dilation 1, through block_fast: the first one's kernel row 0 reads input row
    # ``y0``; with live > 1 the rows are consecutive and the row stride equals the row dilation.
    # The first block stores into the outputs; each later block stores into ``part`` (FAST_OUT rows
    # of at least n), then is added: o + v, the same sums as the other loops' in-place additions.
    # Returns the first block's NaN/Inf flag (block_fast; meaningful when that block is the kernel).
    kh, kw = c.shape
    flag = False
    first = True
    a = np.int64(0)  # not a literal (see the module doc)
    for ga in range((kh + FAST_ROWS - 1) // FAST_ROWS):
        nr = group(kh, FAST_ROWS, ga)
        y = y0 + a * dy
        need = live + nr - 1  # the rows only the scratch outputs read are left zero
        s0 = image_row(x, zero, y, boundary)
        s1 = _live_row(x, zero, y + dy, need > 1, boundary)
        s2 = _live_row(x, zero, y + 2 * dy, need > 2, boundary)
        s3 = _live_row(x, zero, y + 3 * dy, need > 3, boundary)
        s4 = _live_row(x, zero, y + 4 * dy, need > 4, boundary)
        s5 = _live_row(x, zero, y + 5 * dy, need > 5, boundary)
        s6 = _live_row(x, zero, y + 6 * dy, need > 6, boundary)
        s7 = _live_row(x, zero, y + 7 * dy, need > 7, boundary)
        s8 = _live_row(x, zero, y + 8 * dy, need > 8, boundary)
        s9 = _live_row(x, zero, y + 9 * dy, need > 9, boundary)
        t = np.int64(0)
        for gt in range((kw + FAST_TAPS - 1) // FAST_TAPS):
            nt = group(kw, FAST_TAPS, gt)
            b = ox + q0 + t
            if first:
                flag = block_fast(o0, o1, o2, o3, s0[b:], s1[b:], s2[b:], s3[b:], s4[b:], s5[b:], s6[b:], s7[b:],
                                  s8[b:], s9[b:], c, a, t, nr, nt, n)
            else:
                block_fast(part[0], part[1], part[2], part[3], s0[b:], s1[b:], s2[b:], s3[b:], s4[b:], s5[b:],
                           s6[b:], s7[b:], s8[b:], s9[b:], c, a, t, nr, nt, n)
                _add_into(o0, part[0], n)
                if live > 1:
                    _add_into(o1, part[1], n)
                if live > 2:
                    _add_into(o2, part[2], n)
                if live > 3:
                    _add_into(o3, part[3], n)
            first = False
            t += nt
        a += nr
    return flag


@njit(cache=True)
def one_row(c):
    """Whether the direct kernel computes ``c``'s output rows one at a time (tools/gen_direct_passes.py)."""
    kh, kw = c.shape
    return kh <= FAST_ROWS and kw <= FAST_TAPS and kh * kw <= ONE_ROW_TAPS


@njit(cache=True)
def counted_row(r, base, every, last):
    """Whether row ``r`` (``base + r`` in whole-output numbering) is one the NaN/Inf count reads."""
    return (base + r) % every == 0 or base + r == last


@njit(cache=True)
def _columns(out, x, zero, c, r0, r1, q0, n, oy, ox, sy, sx, dy, dx, boundary, watch, base, every, last):
    """Output rows ``r0..r1-1``, columns ``q0..q0+n-1``, all of whose taps fall inside ``x``'s columns.

    With ``watch``, returns the number of non-finite results in the rows ``counted_row`` selects (or,
    for a kernel the fast loops check themselves, of groups of rows with one); else 0.
    """
    bad = 0
    shared = sx == 1 and sy == dy  # consecutive output rows share input rows
    r = r0
    kh, kw = c.shape
    if sx == 1 and dx == 1 and one_row(c):  # kernels of at most ONE_ROW_TAPS taps: one row at a time, flagging NaN/Inf
        flag = block_one(out, x, zero, c, kh, kw, r0, r1, q0, n, oy, sy, dy, ox + q0, boundary)
        return 1 if watch and flag else 0
    if sx == 1 and dx == 1:
        flagged = kh <= FAST_ROWS and kw <= FAST_TAPS and kh * kw <= FLAG_TAPS  # one block that reports NaN/Inf
        spare = np.empty((3, n), dtype=out.dtype)  # block_fast's outputs past the last row
        part = np.empty((FAST_OUT, n), dtype=out.dtype)  # later blocks' sums (_interior_fast)
        step = FAST_OUT if shared else 1
        while r < r1:
            live = min(step, r1 - r)
            o0 = out[r, q0 : q0 + n]
            o1 = out[r + 1, q0 : q0 + n] if live > 1 else spare[0]
            o2 = out[r + 2, q0 : q0 + n] if live > 2 else spare[1]
            o3 = out[r + 3, q0 : q0 + n] if live > 3 else spare[2]
            flag = _interior_fast(o0, o1, o2, o3, live, x, zero, c, oy + r * sy, q0, n, ox, dy, boundary, part)
            if watch and flagged:
                bad += flag
            elif watch:
                for m in range(live):
                    if counted_row(r + m, base, every, last):
                        bad += nonfinite(out[r + m, q0 : q0 + n])
            r += live
        return bad
    if dx == 1:  # column stride > 1: the unit-stride row through block_fast, then every sx-th sample
        w = (n - 1) * sx + 1
        single = one_row(c)
        nil = np.int64(0)  # not literals (see the module doc)
        one = np.int64(1)
        # block_one computes the one row; block_fast also three scratch rows and later blocks' sums
        row = np.empty((1 if single else FAST_OUT, w), dtype=out.dtype)
        part = np.empty((0 if single else FAST_OUT, w), dtype=out.dtype)
        while r < r1:
            if single:
                block_one(row, x, zero, c, kh, kw, nil, one, nil, w, oy + r * sy, sy, dy, ox + q0 * sx, boundary)
            else:
                _interior_fast(row[0], row[1], row[2], row[3], 1, x, zero, c, oy + r * sy, q0 * sx, w, ox, dy,
                               boundary, part)
            for j in range(n):
                out[r, q0 + j] = row[0, j * sx]
            if watch and counted_row(r, base, every, last):
                bad += nonfinite(out[r, q0 : q0 + n])
            r += 1
        return bad
    while r < r1:
        if shared and r + 2 < r1:
            _interior_rows(out[r, q0 : q0 + n], out[r + 1, q0 : q0 + n], out[r + 2, q0 : q0 + n],
                           x, zero, c, r, q0, n, oy, ox, sy, dy, dx, boundary)
            if watch:
                for m in range(3):
                    if counted_row(r + m, base, every, last):
                        bad += nonfinite(out[r + m, q0 : q0 + n])
            r += 3
        else:
            _interior(out[r, q0 : q0 + n], x, zero, c, r, q0, n, oy, ox, sy, sx, dy, dx, boundary)
            if watch and counted_row(r, base, every, last):
                bad += nonfinite(out[r, q0 : q0 + n])
            r += 1
    return bad


@njit(cache=True)
def _zeros(n, like):
    # not np.zeros in correlate2d: Numba makes that a parallel loop of its own, one more wake-up of the
    # threads per call (a 3x3 at 2048x2048 ~5 % faster without the two, 2026-11-28; spread.py)
    return np.zeros(n, dtype=like.dtype)


@njit(cache=True, parallel=True)
def correlate2d(x, c, out, oy, ox, sy, sx, dy, dx, boundary, nch, row_blocks, col_blocks, counts):
    """Fill ``out`` (preallocated) with the correlation of ``x`` with ``c``; see the module doc.

    ``counts`` is empty, or has ``row_blocks * col_blocks`` entries that receive, for each block, a
    positive number when an output it checks is NaN or Inf, else 0 (see the module doc).

    ``nch > 1``: ``x`` and ``out`` are channels-last images ``(H, W, nch)`` seen as ``(H, W*nch)``,
    with ``ox``, ``dx`` in samples (pixel offset and dilation times ``nch``) and ``sx == 1``; the
    border columns are extended pixel by pixel, each channel on its own (and all of them are
    counted: the outputs that read one input sample are then ``nch`` apart).
    """
    width = x.shape[1]
    kw = c.shape[1]
    oh, ow = out.shape
    zero = _zeros(width, x)
    # interior output columns: every tap's column inside [0, width)
    q_lo = 0
    if ox < 0:
        q_lo = (-ox + sx - 1) // sx
    last = width - 1 - (kw - 1) * dx - ox
    q_hi = -1 if last < 0 else last // sx  # inclusive
    if q_hi > ow - 1:
        q_hi = ow - 1
    # border columns [0, lb) and [rb, ow): computed transposed (see the module doc), each block's
    # part of a border column a row of out_left / out_right, then copied into place. Each block
    # gathers its own patches, after its interior: one serial gather of the whole height before the
    # parallel loop took ~4 % of a 3x3 at 2048x2048 (2026-11-28).
    lb = min(q_lo, ow)
    rb = max(q_hi + 1, lb)
    kh = c.shape[0]
    ct = np.ascontiguousarray(c.T)
    nil = np.int64(0)  # not a literal (see the module doc)
    every = kw if nch == 1 else 1  # border columns counted (see the module doc)
    zero_t = _zeros((oh - 1) * sy + (kh - 1) * dy + 1, x)  # a patch row's length, at most
    watch = counts.shape[0] > 0
    team = new_team()  # threads kept apart (kernels/spread.py)
    tally = new_tally()  # blocks handed out as threads come free (kernels/handout.py)
    blocks = row_blocks * col_blocks
    for _ in prange(blocks):  # each thread takes its blocks in its first iteration; the later ones find none
        front = caller(team)
        blk = take(tally, blocks, front)
        while blk >= 0:
            settle(team)  # at every block: a thread can be moved onto the other's CPU while it works
            rblk = blk // col_blocks
            cblk = blk % col_blocks
            r0 = rblk * oh // row_blocks
            r1 = (rblk + 1) * oh // row_blocks
            c0 = cblk * ow // col_blocks
            c1 = (cblk + 1) * ow // col_blocks
            bad = 0
            i0 = max(c0, q_lo)
            i1 = min(c1, q_hi + 1)
            for q0 in range(i0, i1, TILE):
                bad += _columns(out, x, zero, c, r0, r1, q0, min(TILE, i1 - q0), oy, ox, sy, sx, dy, dx, boundary,
                                watch, nil, kh, oh - 1)
            e = min(c1, lb)
            if c0 < e and r0 < r1:
                left = _patch_t(x, oy + r0 * sy, ox, sy, sx, dy, dx, kh, kw, r1 - r0, nil, lb, boundary, nch)
                out_left = np.empty((lb, r1 - r0), dtype=out.dtype)
                bad += _columns(out_left, left, zero_t[: left.shape[1]], ct, c0, e, nil, r1 - r0, nil, nil,
                                sx, sy, dx, dy, boundary, watch, nil, every, ow - 1)
                for r in range(r0, r1):
                    for q in range(c0, e):
                        out[r, q] = out_left[q, r - r0]
            s = max(c0, rb)
            if s < c1 and r0 < r1:
                right = _patch_t(x, oy + r0 * sy, ox, sy, sx, dy, dx, kh, kw, r1 - r0, rb, ow, boundary, nch)
                out_right = np.empty((ow - rb, r1 - r0), dtype=out.dtype)
                bad += _columns(out_right, right, zero_t[: right.shape[1]], ct, s - rb, c1 - rb, nil, r1 - r0, nil,
                                nil, sx, sy, dx, dy, boundary, watch, rb, every, ow - 1)
                for r in range(r0, r1):
                    for q in range(s, c1):
                        out[r, q] = out_right[q - rb, r - r0]
            if watch:
                counts[blk] = bad
            finished(tally)
            blk = take(tally, blocks, front)
        if front:
            wait_all(tally, blocks)
    return out
