import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from convcli import convolve
from convcli.io.images import read_image
from tests.clihelp import run, run_process

CAMERA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "camera.png")


def _camera():
    return np.asarray(Image.open(CAMERA), dtype=np.float64)


def test_filter_writes_the_convolution(tmp_path):
    out = tmp_path / "blur.png"
    res = run("filter", CAMERA, "--kernel", "gaussian:sigma=2", "-o", str(out))
    assert res.exit_code == 0, res.output
    want = np.clip(np.rint(convolve(_camera(), _gaussian(2), dtype=np.float64)), 0, 255)
    got = np.asarray(Image.open(out), dtype=np.float64)
    assert np.abs(got - want).max() <= 1


def _gaussian(sigma):
    from convcli.kernelspec import parse_kernel

    return parse_kernel(f"gaussian:sigma={sigma}")


@pytest.mark.parametrize("rng_opt,expect", [("abs", lambda v: np.abs(v)), ("offset", lambda v: v + 128)])
def test_signed_results_use_output_range(tmp_path, rng_opt, expect):
    out = tmp_path / "gx.png"
    res = run("filter", CAMERA, "-k", "sobel-x", "--output-range", rng_opt, "-o", str(out))
    assert res.exit_code == 0, res.output
    gx = convolve(_camera(), [[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64)
    want = np.clip(np.rint(expect(gx)), 0, 255)
    assert np.abs(np.asarray(Image.open(out), dtype=np.float64) - want).max() <= 1


def test_float_npy_output_is_raw(tmp_path):
    out = tmp_path / "gx.npy"
    res = run("filter", CAMERA, "-k", "sobel-x", "--padding", "valid", "--stride", "2", "-o", str(out))
    assert res.exit_code == 0, res.output
    got = np.load(out)
    want = convolve(_camera(), [[1, 0, -1], [2, 0, -2], [1, 0, -1]], padding="valid", stride=2)
    assert got.dtype == np.float32 and got.shape == (255, 255)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-3)
    assert got.min() < 0


def test_depth16_and_float_tiff(tmp_path):
    out16 = tmp_path / "b16.png"
    assert run("filter", CAMERA, "-k", "box:3", "--depth", "16", "-o", str(out16)).exit_code == 0
    data = read_image(str(out16))
    assert data.pixels.dtype == np.uint16
    want = convolve(_camera(), np.ones((3, 3)) / 9, dtype=np.float64) * 257
    assert np.abs(data.pixels - want).max() <= 1
    outf = tmp_path / "f.tif"
    assert run("filter", CAMERA, "-k", "laplacian", "--depth", "float", "-o", str(outf)).exit_code == 0
    assert read_image(str(outf)).pixels.min() < 0


def test_rgba_alpha_is_carried(tmp_path, rng):
    arr = rng.integers(0, 256, (20, 30, 4), dtype=np.uint8)
    src = tmp_path / "rgba.png"
    Image.fromarray(arr, "RGBA").save(src)
    out = tmp_path / "out.png"
    assert run("filter", str(src), "-k", "box:3", "-o", str(out)).exit_code == 0
    got = np.asarray(Image.open(out))
    assert got.shape == (20, 30, 4)
    np.testing.assert_array_equal(got[:, :, 3], arr[:, :, 3])
    out2 = tmp_path / "strided.png"
    assert run("filter", str(src), "-k", "box:3", "--stride", "2", "-o", str(out2)).exit_code == 0
    np.testing.assert_array_equal(np.asarray(Image.open(out2))[:, :, 3], arr[::2, ::2, 3])


def test_report_json_is_stable(tmp_path):
    out = tmp_path / "o.png"
    res = run("filter", CAMERA, "-k", "box:3", "-o", str(out), "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc) == {"files", "failures", "ok", "failed", "seconds"}
    rep = doc["files"][0]
    assert rep["input_shape"] == [512, 512] and rep["output_shape"] == [512, 512]
    assert rep["multiply_adds"] == 512 * 512 * 9
    assert rep["kernel"] == "box:3" and rep["method"] == "direct"
    res = run("filter", CAMERA, "-k", "box:3", "-o", str(tmp_path / "p.png"), "--report")
    assert "multiply-adds" in res.stdout and "2,359,296" in res.stdout


def test_many_inputs_out_dir_and_failures(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.png", "b.png"):
        shutil.copy(CAMERA, src / name)
    (src / "broken.png").write_bytes(b"not a png")
    res = run("filter", str(src), "-k", "box:3", "--out-dir", str(tmp_path / "out"), "--suffix", "_f")
    assert res.exit_code == 1
    assert sorted(os.listdir(tmp_path / "out")) == ["a_f.png", "b_f.png"]
    assert "broken.png" in res.stderr and "1 of 3 inputs failed" in res.stderr
    assert res.stderr.count("convcli: error:") == 1


def test_glob_and_jobs(tmp_path):
    for name in ("a.png", "b.png", "c.png"):
        shutil.copy(CAMERA, tmp_path / name)
    res = run("filter", str(tmp_path / "*.png"), "-k", "box:3", "--out-dir", str(tmp_path / "o"), "--jobs", "2")
    assert res.exit_code == 0, res.output
    assert sorted(os.listdir(tmp_path / "o")) == ["a.png", "b.png", "c.png"]


@pytest.mark.parametrize("args,code,text", [
    (["-k", "3x3:1,2"], 2, "needs 9 values"),
    (["-k", "nosuch"], 2, "unknown kernel"),
    (["-k", "box:3", "--stride", "0"], 2, "stride"),
    (["-k", "box:3", "--boundary", "circular"], 2, "--boundary"),
    (["-k", "box:3"], 2, "-o FILE"),
    (["-k", "box:3", "-o", "x.unknown"], 2, "output format"),
])
def test_usage_errors(tmp_path, args, code, text):
    res = run("filter", CAMERA, *args)
    assert res.exit_code == code
    assert text in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and res.stderr.startswith("convcli: error:")


def test_existing_output_needs_force_and_input_untouched(tmp_path):
    src = tmp_path / "in.png"
    shutil.copy(CAMERA, src)
    before = src.read_bytes()
    out = tmp_path / "o.png"
    out.write_bytes(b"keep me")
    res = run("filter", str(src), "-k", "box:3", "-o", str(out))
    assert res.exit_code == 1 and "--force" in res.stderr
    assert out.read_bytes() == b"keep me"
    res = run("filter", str(src), "-k", "box:3", "-o", str(src), "--force")
    assert res.exit_code == 1 and "input" in res.stderr
    assert src.read_bytes() == before
    assert run("filter", str(src), "-k", "box:3", "-o", str(out), "--force").exit_code == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert sorted(os.listdir(tmp_path)) == ["in.png", "o.png"]


def test_missing_input_is_exit_1(tmp_path):
    res = run("filter", str(tmp_path / "nope.png"), "-k", "box:3", "-o", str(tmp_path / "o.png"))
    assert res.exit_code == 1 and "no such file" in res.stderr and "nope.png" in res.stderr


def test_kernels_command(tmp_path):
    res = run("kernels")
    assert res.exit_code == 0 and "gaussian" in res.stdout and "sigma" in res.stdout
    res = run("kernels", "sobel-x", "--json")
    info = json.loads(res.stdout)
    assert info["values"] == [[1, 0, -1], [2, 0, -2], [1, 0, -1]] and info["separable"] and info["sum"] == 0
    res = run("kernels", "laplacian")
    assert "separable: no" in res.stdout and "rank 2" in res.stdout
    for ext in ("npy", "txt", "png"):
        target = tmp_path / f"k.{ext}"
        assert run("kernels", "gaussian:sigma=1", "--save", str(target)).exit_code == 0
        assert target.exists()
    np.testing.assert_allclose(np.load(tmp_path / "k.npy"), _gaussian(1))
    from convcli.kernelspec import parse_kernel

    np.testing.assert_allclose(parse_kernel(f"@{tmp_path / 'k.txt'}"), _gaussian(1))
    assert run("kernels", "nosuch").exit_code == 2


def test_help_has_examples():
    res = run("filter", "-h")
    assert res.exit_code == 0 and "Examples" in res.stdout


def test_subprocess_pipeline(tmp_path):
    first = run_process("filter", CAMERA, "-k", "box:3", "-o", "-")
    assert first.returncode == 0, first.stderr
    assert first.stdout[:8] == b"\x89PNG\r\n\x1a\n"
    second = run_process("filter", "-", "-k", "sobel-x", "--output-range", "abs", "-o", "-", input=first.stdout)
    assert second.returncode == 0, second.stderr
    (tmp_path / "p.png").write_bytes(second.stdout)
    assert read_image(str(tmp_path / "p.png")).pixels.shape == (512, 512)


def test_subprocess_errors_are_one_line():
    bad = run_process("filter", CAMERA, "-k", "3x3:1,2", "-o", "-")
    assert bad.returncode == 2
    assert bad.stderr.decode().count("\n") == 1 and b"Traceback" not in bad.stderr
    assert bad.stdout == b""
