import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convcli import conv_matrix, op_counts
from convcli.errors import UsageError
from convcli.kernelspec import parse_kernel
from convcli.opcount import direct_vs_dense, kernel_rank, next_fast_len, parse_shape
from tests.naive import naive_convolve

BOUNDARIES = ("zero", "reflect", "mirror", "nearest", "wrap")
PADDINGS = ("same", "valid", "full")


def test_the_seeds_example_exactly():
    # 320x280 image, two-tap edge kernel, valid: 319 x 280 x 3 = 267,960 operations (2 multiplications +
    # 1 addition per output) vs a 320*280 x 319*280 matrix of 8,003,072,000 entries (the seed's numbers)
    r = op_counts((280, 320), parse_kernel("2x1:1,-1"), padding="valid")
    assert r["output_shape"] == [280, 319]
    assert r["direct"]["multiplies"] == 319 * 280 * 2
    assert r["direct"]["adds"] == 319 * 280 * 1
    assert r["direct"]["flops"] == 267_960
    assert r["dense"]["rows"] * r["dense"]["cols"] == r["dense"]["entries"] == 8_003_072_000
    assert r["dense"]["cols"] == 320 * 280 and r["dense"]["rows"] == 319 * 280
    assert r["dense"]["entries"] / r["direct"]["parameters"] == 4_001_536_000  # "four billion times"
    assert 16e9 < r["dense"]["flops"] < 16.1e9  # "over sixteen billion floating point operations"
    assert r["dense"]["nonzeros"] == 319 * 280 * 2


def _random_kernel(rng, shape, zeros=0.3):
    k = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    k[rng.random(shape) < zeros] = 0.0
    if not k.any():
        k.flat[0] = 1.0
    return k


CASES = [((6, 5), (3, 2)), ((3, 4), (3, 3)), ((1, 7), (1, 3)), ((2, 2), (3, 3)), ((5, 6), (2, 2))]


@pytest.mark.parametrize("boundary,padding", list(itertools.product(BOUNDARIES, PADDINGS)))
def test_nonzeros_are_those_of_the_matrix(rng, boundary, padding):
    for (shape, kshape), stride, dilation, mode in itertools.product(CASES, (1, 2, (1, 3)), (1, 2),
                                                                     ("conv", "corr")):
        k = _random_kernel(rng, kshape)
        opts = dict(mode=mode, padding=padding, boundary=boundary, stride=stride, dilation=dilation)
        try:
            m = conv_matrix(shape, k, dtype=np.float64, **opts)
        except ValueError:  # valid padding with a kernel larger than the input: no output
            continue
        r = op_counts(shape, k, **opts)
        assert (r["dense"]["rows"], r["dense"]["cols"]) == m.shape
        assert r["dense"]["nonzeros"] == np.count_nonzero(m), (shape, kshape, opts)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_nonzeros_1d_and_shape_only(rng, boundary):
    for n, taps in ((9, 3), (4, 5), (12, 4)):
        k = _random_kernel(rng, (taps,), zeros=0.0)
        m = conv_matrix(n, k, boundary=boundary, padding="full", dtype=np.float64)
        assert op_counts((n,), k, boundary=boundary, padding="full")["dense"]["nonzeros"] == np.count_nonzero(m)
        # a shape alone counts every tap as nonzero
        assert op_counts((n,), (taps,), boundary=boundary, padding="full")["dense"]["nonzeros"] == \
            np.count_nonzero(m)


@pytest.mark.parametrize("padding,stride,dilation", list(itertools.product(PADDINGS, (1, 2, 3), (1, 2))))
def test_direct_counts_follow_the_output_size(rng, padding, stride, dilation):
    x = rng.standard_normal((11, 9))
    k = rng.standard_normal((3, 4))
    out = naive_convolve(x, k, padding=padding, stride=stride, dilation=dilation)
    unit = naive_convolve(x, k, padding=padding, dilation=dilation)
    r = op_counts(x.shape, k, padding=padding, stride=stride, dilation=dilation)
    assert r["output_shape"] == list(out.shape)
    assert r["direct"]["multiplies"] == out.size * 12
    assert r["direct"]["adds"] == out.size * 11
    assert r["direct"]["flops"] == out.size * 23
    assert r["direct"]["multiply_adds"] == out.size * 12
    assert r["direct"]["parameters"] == 12
    st = r["strided"]
    assert st["unit_stride_outputs"] == unit.size
    assert st["flops_conv_then_downsample"] == unit.size * 23
    assert st["wasted_flops"] == (unit.size - out.size) * 23
    assert r["dense"]["entries"] == out.size * x.size
    assert r["dense"]["bytes_float32"] == 4 * out.size * x.size
    assert r["dense"]["flops"] == out.size * (2 * x.size - 1)


@pytest.mark.parametrize("spec,rank", [("gaussian:sigma=1.5", 1), ("sobel-x", 1), ("sobel-y", 1), ("scharr-x", 1),
                                       ("box:5", 1), ("laplacian", 2), ("identity", 1)])
def test_rank_detection(spec, rank):
    k = parse_kernel(spec)
    assert kernel_rank(k) == rank
    assert op_counts((32, 32), k)["separable"]["rank"] == rank


def test_rank_of_a_random_kernel_is_full(rng):
    for n in (3, 5, 7):
        k = rng.standard_normal((n, n))
        assert kernel_rank(k) == n
        assert op_counts((32, 32), k)["separable"]["full_rank"] is True
    assert kernel_rank(rng.standard_normal((3, 5))) == 3
    assert kernel_rank(np.zeros((3, 3))) == 0


def test_rank_of_3d_kernels(rng):
    a, b, c = rng.standard_normal(3), rng.standard_normal(4), rng.standard_normal(2)
    assert kernel_rank(np.einsum("i,j,k->ijk", a, b, c)) == 1
    assert kernel_rank(rng.standard_normal((3, 3, 3))) is None


def test_separable_costs_valid_unit_stride(rng):
    # rank 1, valid: a row pass over all h input rows (out_w outputs, kw taps each), then a column pass
    h, w, kh, kw = 20, 30, 5, 7
    k = np.outer(rng.standard_normal(kh), rng.standard_normal(kw))
    s = op_counts((h, w), k, padding="valid")["separable"]
    oh, ow = h - kh + 1, w - kw + 1
    assert s["multiplies"] == h * ow * kw + oh * ow * kh
    assert s["adds"] == h * ow * (kw - 1) + oh * ow * (kh - 1)
    assert s["parameters"] == kh + kw and s["taps_per_output_separable"] == kh + kw
    assert s["pays_off"]


def test_separable_rank_2_adds_the_terms(rng):
    k = parse_kernel("laplacian")
    s1 = op_counts((16, 16), np.outer([1, 2, 1], [1, 0, -1]), padding="valid")["separable"]
    s2 = op_counts((16, 16), k, padding="valid")["separable"]
    assert s2["multiplies"] == 2 * s1["multiplies"]
    assert s2["adds"] == 2 * s1["adds"] + 14 * 14
    assert s2["parameters"] == 12


def test_next_fast_len_matches_scipy():
    from scipy.fft import next_fast_len as scipy_next

    for n in list(range(1, 300)) + [1021, 4097, 10007]:
        assert next_fast_len(n) == scipy_next(n, real=True)


def test_fft_estimate_follows_its_formula():
    r = op_counts((100, 60), (5, 5), padding="same", boundary="reflect")["fft"]
    assert r["padded_shape"] == [next_fast_len(104), next_fast_len(64)]
    n = next_fast_len(104) * next_fast_len(64)
    half = next_fast_len(104) * (next_fast_len(64) // 2 + 1)
    per = 2.5 * n * math.log2(n)
    assert r["flops"] == round(3 * per + 6 * half)
    assert r["flops_kernel_precomputed"] == round(2 * per + 6 * half)
    assert "2.5 N log2 N" in r["formula"]
    wrap = op_counts((100, 60), (5, 5), padding="same", boundary="wrap")["fft"]
    assert wrap["padded_shape"] == [100, 60]


def test_parameter_counts_of_the_geometry(rng):
    # a layer K[out, in, kh, kw] on a multi-channel input
    k = rng.standard_normal((4, 3, 3, 5))
    r = op_counts((20, 30, 3), k, padding="valid", tile=3)
    oh, ow = 20 - 3 + 1, 30 - 5 + 1
    p = r["parameters"]
    assert r["output_shape"] == [oh, ow, 4]
    assert p["convolution"] == 4 * 3 * 3 * 5
    assert p["locally_connected"] == 4 * oh * ow * 3 * 3 * 5
    assert p["tiled"] == 3 * 3 * 4 * 3 * 3 * 5
    assert p["dense"] == (oh * ow * 4) * (20 * 30 * 3)
    assert r["direct"]["multiplies"] == oh * ow * 4 * 3 * 15


def test_multichannel_nonzeros_match_the_block_matrix(rng):
    k = _random_kernel(rng, (2, 4, 2, 3))  # 2 outputs, groups of 4 input channels -> 8 channels, groups 2
    r = op_counts((5, 6, 8), k, boundary="mirror", groups=2)
    expected = 0
    for o in range(2):
        for i in range(4):
            expected += np.count_nonzero(conv_matrix((5, 6), k[o, i], boundary="mirror", dtype=np.float64))
    assert r["dense"]["nonzeros"] == expected
    assert r["dense"]["cols"] == 5 * 6 * 8 and r["dense"]["rows"] == 5 * 6 * 2


def test_each_channel_alone_by_default(rng):
    k = _random_kernel(rng, (3, 3))
    r = op_counts((8, 9, 3), k)
    assert (r["channels_in"], r["channels_out"], r["groups"]) == (3, 3, 3)
    assert r["direct"]["parameters"] == 9
    assert r["direct"]["multiplies"] == 8 * 9 * 3 * 9
    assert r["dense"]["nonzeros"] == 3 * np.count_nonzero(conv_matrix((8, 9), k, dtype=np.float64))


def test_receptive_field_formula_and_matrix_products():
    r = op_counts((64, 64), (3, 3), layers=4)["receptive_field"]
    assert r["per_layer"] == [[3, 3], [5, 5], [7, 7], [9, 9]]
    r = op_counts((64, 64), (3, 3), stride=2, layers=3)["receptive_field"]
    assert r["per_layer"] == [[3, 3], [7, 7], [15, 15]]
    # the same, from the matrices: inputs reaching one output of N stacked valid layers
    for stride, dilation, layers in ((1, 1, 3), (2, 1, 3), (1, 2, 2), (2, 2, 2)):
        n = 40
        product = np.eye(n)
        for _ in range(layers):
            m = conv_matrix(product.shape[0], np.ones(3), padding="valid", stride=stride, dilation=dilation,
                            dtype=np.float64)
            product = m @ product
        r = op_counts((n,), (3,), padding="valid", stride=stride, dilation=dilation, layers=layers)
        reached = np.flatnonzero(product[0])
        assert reached[-1] - reached[0] + 1 == r["receptive_field"]["size"][0]
        assert reached.size == r["receptive_field"]["inputs_connected"]


def test_parse_shape():
    assert parse_shape("320x280") == (280, 320)
    assert parse_shape("32x24x3") == (24, 32, 3)
    assert parse_shape("100") == (100,)
    for bad in ("", "3x", "0x4", "axb", "1x2x3x4"):
        with pytest.raises(UsageError):
            parse_shape(bad)
    with pytest.raises(UsageError):
        parse_shape("4x4x3", channels=False)


@pytest.mark.parametrize("kwargs", [dict(channels_in=2), dict(groups=2, channels_out=3), dict(layers=0),
                                    dict(tile=0), dict(padding="wide")])
def test_bad_options(kwargs):
    with pytest.raises(UsageError):
        op_counts((10, 10, 4), np.ones((3, 3)), **kwargs)


def test_bad_kernels_and_shapes():
    with pytest.raises(UsageError):
        op_counts((10, 10), (0, 3))
    with pytest.raises(UsageError):
        op_counts((10,), np.ones((3, 3)))
    with pytest.raises(UsageError):
        op_counts((10, 10, 3), np.ones((2, 2, 3, 3)))  # 3 channels do not split into groups of 2


def test_direct_vs_dense_with_a_measured_time():
    c = direct_vs_dense((280, 320), np.array([[1.0, -1.0]]), seconds=0.5, padding="valid")
    assert c["direct_flops"] == 267_960 and c["dense_entries"] == 8_003_072_000
    assert c["direct_flops_per_second"] == 267_960 / 0.5
    assert c["dense_seconds_at_measured_rate"] == pytest.approx(c["dense_flops"] / (267_960 / 0.5))


@settings(max_examples=40)
@given(
    h=st.integers(1, 7), w=st.integers(1, 7), kh=st.integers(1, 3), kw=st.integers(1, 4),
    boundary=st.sampled_from(BOUNDARIES), padding=st.sampled_from(PADDINGS), mode=st.sampled_from(("conv", "corr")),
    sy=st.integers(1, 3), sx=st.integers(1, 3), dy=st.integers(1, 2), dx=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_nonzeros_property(h, w, kh, kw, boundary, padding, mode, sy, sx, dy, dx, seed):
    rng = np.random.default_rng(seed)
    k = _random_kernel(rng, (kh, kw))
    opts = dict(mode=mode, padding=padding, boundary=boundary, stride=(sy, sx), dilation=(dy, dx))
    if padding == "valid" and (dy * (kh - 1) + 1 > h or dx * (kw - 1) + 1 > w):
        return
    m = conv_matrix((h, w), k, dtype=np.float64, **opts)
    assert op_counts((h, w), k, **opts)["dense"]["nonzeros"] == np.count_nonzero(m)


def test_volume_kernel_counts():
    r = op_counts((6, 7, 8), (3, 3, 3), padding="valid")
    assert r["output_shape"] == [4, 5, 6]
    assert r["direct"]["multiplies"] == 4 * 5 * 6 * 27
    assert r["separable"]["rank"] is None  # a shape alone: rank unknown
    r = op_counts((6, 7, 8), np.ones((3, 3, 3)), padding="valid")
    assert r["separable"]["rank"] == 1 and r["separable"]["taps_per_output_separable"] == 9


@pytest.mark.parametrize("boundary,padding", [("zero", "same"), ("reflect", "full"), ("wrap", "same"),
                                              ("mirror", "valid")])
def test_volume_nonzeros_against_the_naive_matrix(rng, boundary, padding):
    from tests.naive import naive_conv_matrix

    k = _random_kernel(rng, (2, 3, 2), zeros=0.4)
    m = naive_conv_matrix((3, 4, 3), k, boundary=boundary, padding=padding)
    r = op_counts((3, 4, 3), k, boundary=boundary, padding=padding)
    assert r["dense"]["nonzeros"] == np.count_nonzero(m)
    assert (r["dense"]["rows"], r["dense"]["cols"]) == m.shape
