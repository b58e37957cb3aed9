"""Handing a parallel loop's blocks out to whichever thread is free, and the caller waiting awake.

Numba's idle threads sleep (``OMP_WAIT_POLICY=PASSIVE``, see ``convcli._numba_cache``), so a parallel
call wakes its worker at the start and, when the caller finishes its share first, the caller sleeps
at the loop's end until the worker wakes it: an empty two-thread ``prange`` took 77-80 us here
against 1 us on one thread (2026-11-28, a 2-vCPU KVM guest). With the blocks split in advance, the
worker starts its half that much late and the caller then waits for it asleep. Written ::

    team, tally = new_team(), new_tally()
    for _ in prange(blocks):
        front = caller(team)
        blk = take(tally, blocks, front)
        while blk >= 0:
            settle(team)
            ...  # block blk
            finished(tally)
            blk = take(tally, blocks, front)
        if front:
            wait_all(tally, blocks)

each thread computes blocks in its first iteration until none is left (its later iterations find
none): the caller from the first block on while the worker wakes, the worker from the last one
back, so that each thread's blocks are mostly consecutive rows; a caller that runs out first waits
for the last blocks spinning (usually less than one block's time, while its worker runs anyway)
rather than asleep, for at most ``SPIN`` spins (``caller``, ``new_team`` and ``settle`` are
``kernels/spread.py``'s). Which thread computes a block never changes its result. Measured on
``direct2d`` (float32 2048x2048, eight blocks, two threads, interleaved medians, 2026-11-28): 3x3
4-9 %, 5x5 1-4 %, 7x7 1-2 % faster than a fixed half each; handing out from the front only made the
7x7 2-3 % slower.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

NEXT, DONE = 0, 8  # the two counters, a cache line apart
# At most this many spins of ``wait_all`` (~0.2-0.5 ms; a block of a 3x3 at 2048x2048 takes ~0.17 ms
# on one thread): a caller that spun on and on would keep its CPU from a worker the scheduler had
# put on the same CPU, or, in a virtual machine, take the host's CPU time from the worker's vCPU.
SPIN = 4000


@intrinsic
def _fetch_add(typingctx, a, i, v):
    """``a[i] += v`` atomically; the value before."""
    if not (isinstance(a, types.Array) and a.dtype == types.int64 and a.ndim == 1):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.gep(array.data, [args[1]])
        return builder.atomic_rmw("add", ptr, args[2], "seq_cst")

    return types.int64(a, types.intp, types.int64), codegen


@intrinsic
def _load_acquire(typingctx, a, i):
    """``a[i]``, read afresh each time (an atomic load: a loop that waits for it is not optimised away)."""
    if not (isinstance(a, types.Array) and a.dtype == types.int64 and a.ndim == 1):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.gep(array.data, [args[1]])
        return builder.load_atomic(ptr, "acquire", 8)

    return types.int64(a, types.intp), codegen


@njit(cache=True)
def new_tally():
    """The counters of one parallel loop, made by the calling thread right before it (not in the
    parallel function, where Numba makes ``np.zeros`` a parallel loop of its own)."""
    return np.zeros(DONE + 1, dtype=np.int64)


@njit(cache=True)
def take(tally, blocks, front):
    """The first (``front``) or the last block of ``0..blocks-1`` no thread has taken, or -1.

    The caller takes from the front and the workers from the back, so each thread's blocks are
    mostly consecutive rows (a block's first rows then read input rows the previous block read).
    One counter holds both ends (the front's count in the low 32 bits), so that they cannot both
    take the block where they meet.
    """
    before = _fetch_add(tally, NEXT, np.int64(1) if front else np.int64(1) << 32)
    low = before & 0xFFFFFFFF
    high = before >> 32
    if low + high >= blocks:
        return -1
    return low if front else blocks - 1 - high


@njit(cache=True)
def finished(tally):
    """Count one block as computed."""
    _fetch_add(tally, DONE, np.int64(1))


@intrinsic
def _relax(typingctx):
    """A spin-wait hint to the CPU (x86 ``pause``: also lets a hypervisor see a spinning vCPU)."""
    def codegen(context, builder, signature, args):
        if builder.module.triple.startswith(("x86_64", "i386", "i686")):
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), []),
                                                "llvm.x86.sse2.pause")
            builder.call(fn, [])
        return context.get_dummy_value()

    return types.void(), codegen


@njit(cache=True)
def wait_all(tally, blocks):
    """Return once ``blocks`` blocks are counted as computed, or after ``SPIN`` spins (then the
    caller waits at the loop's end asleep, as without this; see the module doc)."""
    for _ in range(SPIN):
        if _load_acquire(tally, DONE) >= blocks:
            return
        _relax()
