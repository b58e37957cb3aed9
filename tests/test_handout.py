"""Blocks handed out to whichever thread is free (convcli/kernels/handout.py)."""

import numpy as np
from numba import njit

from convcli.kernels.handout import DONE, finished, new_tally, take, wait_all
from convcli.kernels.spread import caller, new_team


@njit(cache=False)
def _takes(tally, blocks, fronts):
    got = np.empty(fronts.shape[0], dtype=np.int64)
    for i in range(fronts.shape[0]):
        got[i] = take(tally, blocks, fronts[i])
    return got


@njit(cache=False)
def _finish(tally, n):
    for _ in range(n):
        finished(tally)


@njit(cache=False)
def _wait(tally, blocks):
    wait_all(tally, blocks)
    return True


@njit(cache=False)
def _is_caller(team):
    return caller(team)


def test_the_front_and_the_back_share_the_blocks_out_once_each():
    rng = np.random.default_rng(0)
    for blocks in (1, 2, 7, 8):
        fronts = rng.random(blocks + 5) < 0.5
        got = _takes(new_tally(), blocks, fronts)
        taken = got[got >= 0]
        assert sorted(taken.tolist()) == list(range(blocks))  # every block once
        assert (got[blocks:] == -1).all()  # then none
        front, back = got[:blocks][fronts[:blocks]], got[:blocks][~fronts[:blocks]]
        assert front.tolist() == list(range(len(front)))  # the front from block 0 on
        assert back.tolist() == list(range(blocks - 1, blocks - 1 - len(back), -1))  # the back from the last


def test_waiting_returns_once_every_block_is_counted_or_after_a_bounded_spin():
    tally = new_tally()
    _finish(tally, 3)
    assert tally[DONE] == 3
    assert _wait(tally, 3)
    assert _wait(tally, 4)  # a block never counted: the wait still ends (SPIN spins)


def test_the_caller_is_the_thread_that_made_the_team():
    import threading

    team = new_team()
    seen = []
    t = threading.Thread(target=lambda: seen.append(_is_caller(team)))
    t.start()
    t.join()
    assert _is_caller(team) and seen == [False]
