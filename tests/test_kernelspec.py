import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convcli.errors import ConvcliError, KernelSpecError, UsageError
from convcli.kernelspec import is_separable, parse_kernel


def test_inline_2d_is_row_major_width_by_height():
    k = parse_kernel("3x2:1,2,3,4,5,6")
    assert k.shape == (2, 3)
    np.testing.assert_array_equal(k, [[1, 2, 3], [4, 5, 6]])


def test_inline_1d_and_3d():
    np.testing.assert_array_equal(parse_kernel("5:1,4,6,4,1"), [1, 4, 6, 4, 1])
    k = parse_kernel("2x1x3:" + ",".join(str(i) for i in range(6)))
    assert k.shape == (3, 1, 2)
    assert k[2, 0, 1] == 5


def test_builtins_values():
    np.testing.assert_array_equal(parse_kernel("sobel-x"), [[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    np.testing.assert_array_equal(parse_kernel("sobel-y"), [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    np.testing.assert_array_equal(parse_kernel("scharr-x")[:, 0], [3, 10, 3])
    np.testing.assert_array_equal(parse_kernel("prewitt-y")[0], [1, 1, 1])
    np.testing.assert_array_equal(parse_kernel("diff"), [[1, -1]])
    np.testing.assert_array_equal(parse_kernel("laplacian"), [[0, 1, 0], [1, -4, 1], [0, 1, 0]])
    assert parse_kernel("box:5").shape == (5, 5)
    assert parse_kernel("box:5").sum() == pytest.approx(1)
    np.testing.assert_allclose(parse_kernel("moving-average:4"), [0.25] * 4)
    identity = parse_kernel("identity")
    assert identity.sum() == 1 and identity[1, 1] == 1


def test_gaussian_matches_formula_and_is_separable():
    g = parse_kernel("gaussian:sigma=2")
    assert g.shape == (13, 13)
    assert g.sum() == pytest.approx(1)
    t = np.arange(13) - 6
    one = np.exp(-(t**2) / 8)
    np.testing.assert_allclose(g, np.outer(one, one) / np.outer(one, one).sum())
    assert is_separable(g)
    assert parse_kernel("gaussian:1.5,size=5").shape == (5, 5)


def test_exp_decay_weights():
    w = parse_kernel("exp-decay:alpha=0.5,n=8")
    assert w.shape == (8,)
    assert w.sum() == pytest.approx(1)
    np.testing.assert_allclose(w[1:] / w[:-1], np.exp(-0.5))


def test_text_and_npy_files(tmp_path):
    txt = tmp_path / "k.txt"
    txt.write_text("# a kernel\n1 2 3\n4,5,6\n")
    np.testing.assert_array_equal(parse_kernel(f"@{txt}"), [[1, 2, 3], [4, 5, 6]])
    one_row = tmp_path / "r.txt"
    one_row.write_text("1 2 1\n")
    assert parse_kernel(f"@{one_row}").shape == (3,)
    npy = tmp_path / "k.npy"
    np.save(npy, np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(parse_kernel(str(npy)), np.arange(12.0).reshape(3, 4))


@pytest.mark.parametrize("spec", [
    "", "  ", "3x3:1,2", "3x3:1,2,3,4,5,6,7,8,x", "0x3:", "nosuch", "box:2.5", "box:0", "box:-3",
    "gaussian:sigma=0", "gaussian:sigma=-1", "gaussian:width=3", "sobel-x:1", "gaussian:sigma=1,sigma=2",
    "5:1,2,3,4,nan", "3:1,inf,1", "box:", "box:,", "@/no/such/file.txt", "/no/such.npy", "!!", "3x3x3x3:1",
])
def test_malformed_specs_are_usage_errors(spec):
    with pytest.raises(KernelSpecError) as info:
        parse_kernel(spec)
    assert isinstance(info.value, UsageError)
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value)


def test_bad_kernel_files(tmp_path):
    ragged = tmp_path / "ragged.txt"
    ragged.write_text("1 2 3\n4 5\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    pickled = tmp_path / "p.npy"
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    five_d = tmp_path / "5d.npy"
    np.save(five_d, np.ones((1, 1, 1, 1, 2)))
    strings = tmp_path / "s.npy"
    np.save(strings, np.array(["a", "b"]))
    for spec in (f"@{ragged}", f"@{empty}", str(pickled), str(five_d), str(strings)):
        with pytest.raises(KernelSpecError):
            parse_kernel(spec)


def test_rank_detection():
    assert is_separable(parse_kernel("sobel-x"))
    assert is_separable(parse_kernel("gaussian:sigma=3"))
    assert not is_separable(parse_kernel("laplacian"))
    assert not is_separable(np.random.default_rng(0).standard_normal((5, 5)))


@given(st.text(max_size=40))
def test_random_specs_raise_only_convcli_errors(text):
    try:
        kernel = parse_kernel(text)
    except ConvcliError:
        return
    assert isinstance(kernel, np.ndarray) and np.isfinite(kernel).all()


def test_diff_with_valid_correlation_is_pixel_minus_right_neighbour():
    from convcli import convolve

    x = np.array([[1.0, 4.0, 9.0, 16.0]])
    got = convolve(x, parse_kernel("diff"), mode="corr", padding="valid", dtype=np.float64)
    np.testing.assert_array_equal(got, x[:, :-1] - x[:, 1:])
