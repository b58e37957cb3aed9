"""Keeping a parallel loop's threads on separate CPUs.

Numba's idle worker threads sleep (``OMP_WAIT_POLICY=PASSIVE``, see ``convcli._numba_cache``). On
this machine (a 2-vCPU KVM guest), when a parallel call came after a pause of 1.5 ms or more,
Linux woke the worker on the *caller's* CPU (the other vCPU had halted) in 63 of 100 calls; there
it waited until the caller had finished its share of the ``prange`` loop, so the two shares ran
one after the other: two 420 us halves took 830-880 us. After pauses of 0.1-0.8 ms: 0 of 100.
Pauses are the usual case outside benchmarks (reading and writing files, user code between
calls). The parallel loops are therefore written ::

    team = new_team()
    for blk in prange(blocks):
        settle(team)
        ...

``settle`` has a worker that finds itself on the caller's CPU move to another one (its CPU mask
without that CPU, then its own mask again: the move stays, the mask does not); the caller, at its
first block, yields its CPU once when no worker has started yet, so that a worker queued behind it
runs and moves. Which thread computes a block, and when, never changes a result.

Measured (2026-11-28, 2 threads, interleaved medians): a 3x3 at float32 2048x2048 after 5 ms
pauses 1.80 ms, against 2.59 ms without ``settle``; back to back, within 1 % of it (3x3 and 7x7).
Handing the blocks out to whichever thread is free (an atomic counter) gave the same gain after
pauses, but the loop over a thread's blocks that it needs made a 7x7 2.5-4 % slower back to back,
and handing them out in turn (thread 0 takes block 0, 2, 4, ...) a sigma = 2 Gaussian 5 % slower.

The scheduler calls are the C library's ``sched_getcpu``, ``sched_yield``, ``sched_getaffinity``,
``sched_setaffinity`` and ``pthread_self``, called by name from the compiled code (so that the
functions stay cacheable); where the C library lacks one, a stand-in that does nothing takes its
place (``_install_stand_ins``).

Numba's cache does not notice a change to this module in the kernels that call it: after editing
it, delete the kernels' cached code (``convcli/kernels/__pycache__/*.nb?``).
"""

import ctypes

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

_MASK_WORDS = 16  # cpu_set_t: 1024 CPUs in 64-bit words


def _libc_call(builder, name, ret, args, values):
    fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ret, args), name)
    return builder.call(fn, values)


@intrinsic
def sched_getcpu(typingctx):
    """The CPU the calling thread runs on (glibc), or -1."""
    def codegen(context, builder, signature, args):
        return _libc_call(builder, "sched_getcpu", ir.IntType(32), [], [])

    return types.int32(), codegen


@intrinsic
def thread_self(typingctx):
    """The calling thread's ``pthread_self()``."""
    def codegen(context, builder, signature, args):
        return _libc_call(builder, "pthread_self", ir.IntType(64), [], [])

    return types.uint64(), codegen


@intrinsic
def _sched_yield(typingctx):
    def codegen(context, builder, signature, args):
        return _libc_call(builder, "sched_yield", ir.IntType(32), [], [])

    return types.int32(), codegen


def _affinity(name):
    def typer(typingctx, mask):
        if not (isinstance(mask, types.Array) and mask.dtype == types.uint64 and mask.ndim == 1):
            return None

        def codegen(context, builder, signature, args):
            array = context.make_array(signature.args[0])(context, builder, args[0])
            nbytes = builder.mul(array.nitems, context.get_constant(types.intp, 8))
            byte_ptr = ir.IntType(8).as_pointer()
            return _libc_call(builder, name, ir.IntType(32), [ir.IntType(32), ir.IntType(64), byte_ptr],
                              [ir.Constant(ir.IntType(32), 0), nbytes, builder.bitcast(array.data, byte_ptr)])

        return types.int32(mask), codegen

    return intrinsic(typer)


_sched_getaffinity = _affinity("sched_getaffinity")  # of the calling thread; 0 on success
_sched_setaffinity = _affinity("sched_setaffinity")


@njit(cache=True)
def new_team():
    """What ``settle`` needs of one parallel loop, made by the calling thread right before the loop:
    ``[caller started, a worker started, the caller's CPU, the caller's thread]``.

    Made here, not in the parallel function, where Numba turns ``np.zeros`` into a parallel loop of
    its own (one more wake-up of the threads).
    """
    team = np.zeros(4, dtype=np.int64)
    team[2] = sched_getcpu()
    team[3] = np.int64(thread_self())  # the same 64 bits
    return team


@njit(cache=True)
def _move_off(cpu):
    # run anywhere this thread may run except on ``cpu``, then allow ``cpu`` again (the move stays)
    mask = np.zeros(_MASK_WORDS, dtype=np.uint64)
    if _sched_getaffinity(mask) != 0 or cpu < 0 or cpu >= 64 * _MASK_WORDS:
        return
    away = mask.copy()
    away[cpu // 64] &= ~(np.uint64(1) << np.uint64(cpu % 64))
    if away.any() and _sched_setaffinity(away) == 0:
        _sched_setaffinity(mask)


@njit(cache=True)
def caller(team):
    """Whether the calling thread is the one that made ``team``."""
    return np.int64(thread_self()) == team[3]


@njit(cache=True)
def settle(team):
    """Called at the start of every iteration of a ``prange`` loop (or of every block a thread takes,
    ``kernels/handout.py``) with the loop's ``new_team()`` (see the module doc): a worker on the
    caller's CPU moves off it; the caller, the first time, yields its CPU once if no worker has
    started yet."""
    if caller(team):
        if team[0] == 0:
            team[0] = 1
            if team[1] == 0:
                _sched_yield()
    else:
        if team[1] == 0:  # written once: a line written at every block would bounce between the CPUs
            team[1] = 1
        if team[2] >= 0 and sched_getcpu() == team[2]:
            _move_off(team[2])


def _install_stand_ins() -> None:
    """Give the compiled code do-nothing scheduler calls where glibc does not provide them."""
    import llvmlite.binding as llvm

    keep = []
    for name, proto, result in (("sched_getcpu", ctypes.CFUNCTYPE(ctypes.c_int), -1),
                                ("sched_yield", ctypes.CFUNCTYPE(ctypes.c_int), 0),
                                ("pthread_self", ctypes.CFUNCTYPE(ctypes.c_uint64), 0),
                                ("sched_getaffinity", ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_size_t,
                                                                       ctypes.c_void_p), -1),
                                ("sched_setaffinity", ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_size_t,
                                                                       ctypes.c_void_p), -1)):
        if llvm.address_of_symbol(name):
            continue
        stub = proto(lambda *args, r=result: r)
        keep.append(stub)
        llvm.add_symbol(name, ctypes.cast(stub, ctypes.c_void_p).value)
    _STAND_INS.extend(keep)


_STAND_INS: list = []  # keeps the stand-ins' ctypes callbacks alive
_install_stand_ins()
