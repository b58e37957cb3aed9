"""Boundary extension with NumPy (convcli.extend): every rule, any start, length and step, on any axis."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from convcli.extend import extend_axis
from tests.naive import extend

BOUNDARIES = ["zero", "reflect", "mirror", "nearest", "wrap"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=3), st.integers(0, 2), st.integers(-15, 15),
       st.integers(0, 30), st.integers(1, 4), st.sampled_from(BOUNDARIES), st.integers(0, 2**31 - 1))
def test_extend_axis_matches_the_rule_sample_by_sample(shape, axis, start, length, step, boundary, seed):
    axis %= len(shape)
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    got = extend_axis(x, start, length, axis, boundary, step)
    want_shape = list(shape)
    want_shape[axis] = length
    assert got.shape == tuple(want_shape) and got.dtype == x.dtype
    positions = start + step * np.arange(length)
    n = shape[axis]
    before = max(0, -int(positions.min(initial=0)))
    after = max(0, int(positions.max(initial=0)) - (n - 1))
    padded = extend(np.moveaxis(x, axis, 0), (before,), (after,), boundary)  # numpy.pad, axis 0
    want = np.moveaxis(padded[positions + before], 0, axis) if length else np.empty(want_shape)
    np.testing.assert_array_equal(got, want.astype(np.float32))

def test_extend_axis_does_not_modify_or_alias_its_input():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    keep = x.copy()
    out = extend_axis(x, -2, 8, 1, "reflect")
    out[...] = -1
    np.testing.assert_array_equal(x, keep)
