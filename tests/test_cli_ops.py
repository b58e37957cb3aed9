import csv
import io
import json
import os

import numpy as np
import pytest
from PIL import Image

from convcli import conv_matrix, convolve
from convcli.kernelspec import parse_kernel
from tests.clihelp import run, run_process

CAMERA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "camera.png")
SEED = ("ops", "--input", "320x280", "--kernel", "2x1:1,-1", "--padding", "valid")


def test_ops_prints_the_seeds_numbers():
    res = run(*SEED)
    assert res.exit_code == 0, res.output
    assert "319x280 outputs x 3 (2 multiplications + 1 addition) = 267,960 operations" in res.stdout
    assert "8,003,072,000 entries" in res.stdout
    for section in ("dense matrix x vector", "separable", "FFT", "locally connected", "tiled (2x2 kernels)",
                    "receptive field", "conventions"):
        assert section in res.stdout


def test_ops_json_is_the_api_report():
    from convcli import op_counts

    res = run(*SEED, "--json", "--layers", "2", "--tile", "4")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["direct"]["flops"] == 267_960 and doc["dense"]["entries"] == 8_003_072_000
    want = op_counts((280, 320), parse_kernel("2x1:1,-1"), padding="valid", layers=2, tile=4)
    assert doc["parameters"] == json.loads(json.dumps(want["parameters"]))
    assert doc["receptive_field"]["layers"] == 2
    assert list(doc) == sorted(doc)


def test_ops_shape_only_kernel_and_channels():
    res = run("ops", "--input", "32x24x16", "--kernel", "3x3", "--channels-out", "8", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["direct"]["parameters"] == 8 * 16 * 9
    assert doc["direct"]["multiplies"] == 24 * 32 * 8 * 16 * 9
    assert doc["separable"]["rank"] is None and doc["kernel_values_known"] is False


def test_ops_1d_kernel_on_an_image_filters_rows():
    res = run("ops", "--input", "40x30", "--kernel", "5:1,4,6,4,1", "--padding", "valid", "--json")
    doc = json.loads(res.stdout)
    assert doc["kernel_shape"] == [1, 5] and doc["output_shape"] == [30, 36]


@pytest.mark.parametrize("args", [("--input", "0x3", "--kernel", "sobel-x"), ("--input", "3x3", "--kernel", "nope"),
                                  ("--input", "10x10", "--kernel", "3x3", "--groups", "3", "--channels-out", "4"),
                                  ("--input", "10x10", "--kernel", "3x3", "--stride", "0")])
def test_ops_usage_errors(args):
    res = run("ops", *args)
    assert res.exit_code == 2
    assert res.stderr.startswith("convcli: error: ") and res.stderr.count("\n") == 1
    assert "Traceback" not in res.output


def test_ops_kernel_larger_than_input_is_a_data_error():
    res = run("ops", "--input", "4x4", "--kernel", "box:5", "--padding", "valid")
    assert res.exit_code == 1 and "leaves no output" in res.stderr


def test_matrix_npy_is_the_api_matrix(tmp_path):
    out = tmp_path / "m.npy"
    res = run("matrix", "--input", "6x5", "--kernel", "sobel-x", "--boundary", "zero", "-o", str(out), "--verify")
    assert res.exit_code == 0, res.output
    m = np.load(out)
    np.testing.assert_array_equal(m, conv_matrix((5, 6), parse_kernel("sobel-x"), boundary="zero"))
    assert "doubly block Toeplitz" in res.stdout and "verify" in res.stdout and "ok" in res.stdout
    x = np.random.default_rng(3).standard_normal((5, 6))
    np.testing.assert_allclose(m.astype(np.float64) @ x.ravel(),
                               convolve(x, parse_kernel("sobel-x"), boundary="zero", dtype=np.float64).ravel(),
                               atol=1e-5)


def test_matrix_csv_to_stdout_1d():
    res = run("matrix", "--input", "8", "--kernel", "3:1,2,1", "--boundary", "wrap", "--double", "-o", "-",
              "--format", "csv")
    assert res.exit_code == 0, res.output
    rows = [[float(v) for v in row] for row in csv.reader(io.StringIO(res.stdout))]
    m = np.array(rows)
    np.testing.assert_array_equal(m, conv_matrix(8, [1, 2, 1], boundary="wrap", dtype=np.float64))
    for i in range(8):
        np.testing.assert_array_equal(m[i], np.roll(m[0], i))
    assert "circulant" in res.stderr  # the table goes to stderr when stdout carries the matrix


def test_matrix_nx1_input_is_1d(tmp_path):
    res = run("matrix", "--input", "7x1", "--kernel", "3:1,0,-1", "--padding", "valid", "--json")
    doc = json.loads(res.stdout)
    assert doc["input_shape"] == [7] and doc["rows"] == 5 and doc["cols"] == 7 and doc["kind"] == "Toeplitz"


def test_matrix_png_picture(tmp_path):
    out = tmp_path / "m.png"
    k = np.array([[1.0, -2.0], [0.5, 0.0]])
    np.save(tmp_path / "k.npy", k)
    res = run("matrix", "--input", "4x3", "--kernel", str(tmp_path / "k.npy"), "--boundary", "zero", "-o", str(out))
    assert res.exit_code == 0, res.output
    m = conv_matrix((3, 4), k, boundary="zero")
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    rows, cols = m.shape  # 12 x 12, blocks of 4 x 4 (one block row per image row)
    scale = min(24, 600 // 12)  # the documented default: about 600 pixels, at most 24 per entry
    assert img.shape == (rows * scale + 4, cols * scale + 4, 3)  # 3 block rows/cols + 1 -> 4 grid lines

    def centre(i, block):
        return 1 + i // block + i * scale + scale // 2

    for i in range(rows):
        for j in range(cols):
            r, g, b = img[centre(i, 4), centre(j, 4)]
            if m[i, j] == 0:
                assert (r, g, b) == (255, 255, 255)
            elif m[i, j] > 0:
                assert r > b and g < 255
            else:
                assert b > r and g < 255
    assert tuple(img[0, 5]) == tuple(img[5, 0]) == (190, 190, 190)  # the border grid line
    assert tuple(img[1 + 4 * scale, 7]) == (190, 190, 190)  # the line between block rows


def test_matrix_refuses_a_large_matrix_before_writing(tmp_path):
    out = tmp_path / "m.npy"
    res = run("matrix", "--input", "512x512", "--kernel", "box:3", "-o", str(out))
    assert res.exit_code == 2
    assert "262,144 x 262,144" in res.stderr and "256.0 GiB" in res.stderr and "--max-bytes" in res.stderr
    assert not out.exists()
    res = run("matrix", "--input", "16x16", "--kernel", "box:3", "-o", str(out), "--max-bytes", "64KiB")
    assert res.exit_code == 2 and "256.0 KiB" in res.stderr
    res = run("matrix", "--input", "16x16", "--kernel", "box:3", "-o", str(out), "--max-bytes", "1MiB")
    assert res.exit_code == 0, res.output


def test_matrix_refuses_to_overwrite_and_bad_formats(tmp_path):
    out = tmp_path / "m.npy"
    out.write_bytes(b"keep")
    res = run("matrix", "--input", "4x4", "--kernel", "box:3", "-o", str(out))
    assert res.exit_code == 1 and out.read_bytes() == b"keep"
    res = run("matrix", "--input", "4x4", "--kernel", "box:3", "-o", str(tmp_path / "m.txt"))
    assert res.exit_code == 2
    res = run("matrix", "--input", "4x4", "--kernel", "box:3", "--max-bytes", "lots")
    assert res.exit_code == 2


def test_help_has_examples():
    for cmd in ("ops", "matrix"):
        res = run(cmd, "--help")
        assert res.exit_code == 0 and "Examples:" in res.stdout and f"convcli {cmd} --input" in res.stdout


def test_filter_report_has_the_direct_vs_dense_comparison(tmp_path):
    out = tmp_path / "gx.png"
    res = run("filter", CAMERA, "--kernel", "sobel-x", "--padding", "valid", "-o", str(out), "--report", "--json")
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)["files"][0]
    c = rep["direct_vs_dense"]
    h, w = rep["input_shape"][:2]
    oh, ow = h - 2, w - 2
    assert c["dense_rows"] == oh * ow and c["dense_cols"] == h * w
    assert c["dense_entries"] == oh * ow * h * w
    assert c["direct_flops"] == oh * ow * 17 and c["dense_nonzeros"] == oh * ow * 6  # sobel has 6 nonzero taps
    assert c["measured_seconds"] == pytest.approx(rep["seconds"]["filter"], abs=1e-6)
    res = run("filter", CAMERA, "--kernel", "sobel-x", "-o", str(out), "--report", "--force")
    assert res.exit_code == 0 and "dense matrix" in res.stdout and "262,144 x 262,144" in res.stdout


def test_ops_real_process():
    proc = run_process(*SEED, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["direct"]["flops"] == 267_960
    proc = run_process("matrix", "--input", "600x600", "--kernel", "box:3")
    assert proc.returncode == 2 and proc.stderr.decode().startswith("convcli: error: the dense matrix would be")


def test_ops_volume_shape_only_kernel_is_wxhxd():
    res = run("ops", "--input", "20x16x12", "--kernel", "5x3x1", "--padding", "valid", "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    # WxHxD everywhere: input (D, H, W) = (12, 16, 20), kernel (D, H, W) = (1, 3, 5)
    assert doc["kernel_shape"] == [1, 3, 5] and doc["output_shape"] == [12, 14, 16]
