"""How parallel kernels hand out their blocks and keep their threads apart (convcli/kernels/spread.py)."""

import ctypes
import ctypes.util
import os
import sys

import numpy as np
import pytest
from numba import njit

from convcli.kernels.spread import _move_off, new_team, sched_getcpu, settle, thread_self

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="sched_getaffinity is Linux's")


@njit(cache=False)
def _cpu():
    return sched_getcpu()


@njit(cache=False)
def _self():
    return thread_self()


@njit(cache=False)
def _settle(team):
    settle(team)
    return sched_getcpu()


def test_thread_self_names_the_calling_thread():
    import threading

    seen = []
    t = threading.Thread(target=lambda: seen.append(_self()))
    t.start()
    t.join()
    assert _self() == _self() != seen[0]


def test_a_team_names_its_caller():
    team = new_team()
    assert team[:2].tolist() == [0, 0]
    assert team[3] == np.uint64(_self()).astype(np.int64)
    if sys.platform.startswith("linux"):
        assert team[2] in os.sched_getaffinity(0)


def test_the_caller_marks_its_first_block_once():
    team = new_team()
    _settle(team)
    assert team[:2].tolist() == [1, 0]
    _settle(team)
    assert team[:2].tolist() == [1, 0]


@linux_only
def test_a_worker_on_the_callers_cpu_moves_off_it_and_keeps_its_cpu_mask():
    before = os.sched_getaffinity(0)
    team = new_team()
    team[3] += 1  # as a worker of some other thread, the caller, on this thread's CPU
    here = _cpu()
    team[2] = here
    now = _settle(team)
    assert team[:2].tolist() == [0, 1]
    assert os.sched_getaffinity(0) == before
    if len(before) > 1:
        assert now != here  # read right after the move (the scheduler may move it back later)


@linux_only
def test_sched_getcpu_is_a_cpu_this_thread_may_run_on():
    assert _cpu() in os.sched_getaffinity(0)


@linux_only
def test_moving_off_a_cpu_leaves_the_threads_cpu_mask_as_it_was():
    before = os.sched_getaffinity(0)
    _move_off(_cpu())
    assert os.sched_getaffinity(0) == before
    _move_off(-1)  # not a CPU: nothing to do
    _move_off(4096)
    assert os.sched_getaffinity(0) == before


@linux_only
def test_a_restricted_thread_is_not_moved_where_it_may_not_run():
    before = os.sched_getaffinity(0)
    one = min(before)
    try:
        os.sched_setaffinity(0, {one})
        _move_off(one)  # no other CPU allowed: stays
        assert os.sched_getaffinity(0) == {one}
        assert _cpu() == one
    finally:
        os.sched_setaffinity(0, before)


@linux_only
def test_the_compiled_code_calls_the_c_librarys_functions():
    import llvmlite.binding as llvm

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    for name in ("sched_getcpu", "sched_yield", "sched_getaffinity", "sched_setaffinity"):
        assert llvm.address_of_symbol(name) == ctypes.cast(getattr(libc, name), ctypes.c_void_p).value


@linux_only
def test_parallel_kernels_leave_the_processs_cpu_mask_alone(rng):
    from convcli import convolve

    before = os.sched_getaffinity(0)
    x = rng.random((1100, 1030), dtype=np.float32)
    for k in (rng.random((3, 3)), np.outer([1.0, 4, 6, 4, 1], [1.0, 4, 6, 4, 1])):
        for _ in range(3):
            convolve(x, k)
    assert os.sched_getaffinity(0) == before
