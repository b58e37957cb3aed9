"""Peak memory of filtering a large image, and the block-wise integer conversion that keeps it low.

The full bound (12000x12000, peak RSS <= 1.5x the float32 working set) is measured by
``python -m benchmarks.bench_memory``; here a 3000x3000 image checks the part above the
interpreter's own footprint, which is what the code controls."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from convcli.io import images
from convcli.io.images import to_integer
from tests.naive import naive_to_integer


@pytest.mark.slow
def test_filter_peak_memory_above_the_interpreter_is_within_1_5x_the_working_set():
    from benchmarks.bench_memory import measure

    r = measure(3000)
    assert r["ratio_above_baseline"] <= 1.5, r


@given(values=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=9),
                         elements=st.floats(allow_nan=True, allow_infinity=True, width=32)),
       bits=st.sampled_from([8, 16]), output_range=st.sampled_from(["clip", "abs", "offset", "rescale"]),
       full_scale=st.sampled_from([None, 255.0, 65535.0, 1.0]))
def test_block_wise_to_integer_equals_the_whole_array_formula(values, bits, output_range, full_scale):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(images, "_BLOCK", 7)  # many blocks, one partial
        got = to_integer(values, bits, output_range, full_scale)
    want = naive_to_integer(values, bits, output_range, full_scale)
    assert got.dtype == want.dtype and got.shape == values.shape
    np.testing.assert_array_equal(got, want)


def test_to_integer_on_several_real_blocks():
    big = np.linspace(-10, 300, 3 << 20, dtype=np.float32).reshape(1024, -1)
    np.testing.assert_array_equal(to_integer(big, 8, "rescale", 255.0), naive_to_integer(big, 8, "rescale", 255.0))
