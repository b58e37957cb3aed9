import csv
import json
import os

import numpy as np
import pytest
from PIL import Image

from convcli import edges, gabor_bank, gabor_filter
from convcli.io.images import read_image
from tests.clihelp import run, run_process

SAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples")
CAMERA = os.path.join(SAMPLES, "camera.png")
BRICK = os.path.join(SAMPLES, "brick.png")
GRASS = os.path.join(SAMPLES, "grass.png")
ASTRONAUT = os.path.join(SAMPLES, "astronaut.png")


@pytest.fixture
def small(tmp_path):
    """A 64x48 crop of the camera image (quick to filter)."""
    path = tmp_path / "small.png"
    Image.fromarray(np.asarray(Image.open(CAMERA))[100:148, 200:264]).save(path)
    return str(path)


def _pixels(path):
    return np.asarray(Image.open(path), dtype=np.float64)


# --- edges -------------------------------------------------------------------------------------


def test_edges_magnitude_default(tmp_path, small):
    out = tmp_path / "e.png"
    res = run("edges", small, "-o", str(out))
    assert res.exit_code == 0, res.output
    want = np.clip(np.rint(edges(_pixels(small), dtype=np.float64)), 0, 255)
    assert np.abs(_pixels(out) - want).max() <= 1


@pytest.mark.parametrize("flag", ["--output", "--map"])
def test_edges_x_is_offset_and_raw_in_npy(tmp_path, small, flag):
    out = tmp_path / "gx.png"
    assert run("edges", small, flag, "x", "--op", "scharr", "-o", str(out)).exit_code == 0
    gx = edges(_pixels(small), op="scharr", output="x", dtype=np.float64)
    assert np.abs(_pixels(out) - np.clip(np.rint(gx + 128), 0, 255)).max() <= 1
    raw = tmp_path / "gx.npy"
    assert run("edges", small, flag, "x", "--op", "scharr", "-o", str(raw)).exit_code == 0
    np.testing.assert_allclose(np.load(raw), gx, rtol=1e-5, atol=1e-3)


def test_edges_output_names_the_file_when_not_a_map(tmp_path, small):
    out = tmp_path / "e.png"
    res = run("edges", small, "--output", str(out), "--op", "diff", "--output-range", "abs")
    assert res.exit_code == 0, res.output
    want = np.clip(np.rint(edges(_pixels(small), op="diff", dtype=np.float64)), 0, 255)
    assert np.abs(_pixels(out) - want).max() <= 1


def test_edges_direction_as_angle_image(tmp_path, small):
    out = tmp_path / "d.png"
    assert run("edges", small, "--output", "direction", "-o", str(out)).exit_code == 0
    d = np.mod(edges(_pixels(small), output="direction", dtype=np.float64), 360)
    assert np.abs(_pixels(out) - np.rint(d * 255 / 360)).max() <= 1
    raw = tmp_path / "d.npy"
    assert run("edges", small, "--output", "direction", "--depth", "float", "-o", str(raw)).exit_code == 0
    got = np.load(raw)
    assert got.min() > -180 and got.max() <= 180


def test_edges_color_carries_alpha(tmp_path):
    rgba = np.zeros((20, 30, 4), dtype=np.uint8)
    rgba[:, 15:, :3] = 200
    rgba[..., 3] = 77
    src = tmp_path / "rgba.png"
    Image.fromarray(rgba, "RGBA").save(src)
    out = tmp_path / "c.png"
    res = run("edges", str(src), "--color", "-o", str(out))
    assert res.exit_code == 0, res.output
    data = read_image(str(out))
    assert data.pixels.shape == (20, 30, 3) and (data.alpha == 77).all()
    # a vertical step brightening to the right: hue 0 (red) at the edge, black elsewhere
    edge = data.pixels[10, 14:16]
    assert (edge[:, 0] == 255).all() and (edge[:, 1:] == 0).all()
    assert not data.pixels[:, :10].any()


def test_edges_many_inputs_out_dir_and_json(tmp_path):
    res = run("edges", CAMERA, BRICK, "--gray", "--out-dir", str(tmp_path / "e"), "--json", "-q")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["ok"] == 2 and sorted(os.listdir(tmp_path / "e")) == ["brick.png", "camera.png"]
    assert {f["op"] for f in doc["files"]} == {"sobel"}


@pytest.mark.parametrize("args", [
    ["--op", "canny"], ["--op", "laplacian", "--output", "x"], ["--color", "--output", "x"],
    ["--output", "x", "--map", "y"], ["--output", "bogus", "-o", "x.png"],
])
def test_edges_usage_errors(tmp_path, small, args):
    if "-o" not in args:
        args = [*args, "-o", str(tmp_path / "o.png")]
    res = run("edges", small, *args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output


def test_edges_missing_file_exit_1(tmp_path):
    res = run("edges", str(tmp_path / "nope.png"), "-o", str(tmp_path / "o.png"))
    assert res.exit_code == 1 and "no such file" in res.output


# --- gabor -------------------------------------------------------------------------------------


def test_gabor_out_dir_names_and_values(tmp_path, small):
    out = tmp_path / "g"
    res = run("gabor", small, "-n", "4", "-f", "0.1,0.25", "--out-dir", str(out), "--response", "all",
              "--max-orientation", "--depth", "float", "--format", "npy")
    assert res.exit_code == 0, res.output
    names = sorted(os.listdir(out))
    assert len(names) == 8 * 3 + 2 * 2
    assert "small_theta45_freq0.25_energy.npy" in names and "small_argmax_freq0.1.npy" in names
    bank = gabor_bank(4, [0.1, 0.25])
    r = gabor_filter(_pixels(small), bank, keep=("even", "odd"), dtype=np.float64)
    i = 4 + 1  # freq 0.25, theta 45
    for kind in ("even", "odd", "energy"):
        got = np.load(out / f"small_theta45_freq0.25_{kind}.npy")
        np.testing.assert_allclose(got, getattr(r, kind)[i], rtol=1e-4, atol=1e-2)
    best, arg = r.max_over_orientations()
    np.testing.assert_allclose(np.load(out / "small_max_freq0.1.npy"), best[0], rtol=1e-4, atol=1e-2)
    assert set(np.unique(np.load(out / "small_argmax_freq0.1.npy"))) <= {0.0, 45.0, 90.0, 135.0}


def test_gabor_png_responses_are_rescaled(tmp_path, small):
    out = tmp_path / "g"
    assert run("gabor", small, "-n", "2", "-f", "0.2", "--out-dir", str(out)).exit_code == 0
    img = _pixels(out / "small_theta90_freq0.2_energy.png")
    e = gabor_filter(_pixels(small), gabor_bank(2, [0.2]), dtype=np.float64).energy[1]
    want = np.rint((e - e.min()) * 255 / (e.max() - e.min()))
    assert np.abs(img - want).max() <= 1


def test_gabor_features_csv_and_json_one_row_per_image(tmp_path):
    csv_path, json_path = tmp_path / "f.csv", tmp_path / "f.json"
    args = ("-n", "2", "-f", "0.1,0.3", "--gray", "--zero-mean")
    assert run("gabor", BRICK, GRASS, *args, "--features", str(csv_path), "-q").exit_code == 0
    assert run("gabor", BRICK, GRASS, *args, "--features", str(json_path), "-q").exit_code == 0
    with open(csv_path, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:3] == ["input", "mean_theta0_freq0.1", "std_theta0_freq0.1"]
    assert len(rows) == 3 and len(rows[1]) == 1 + 4 * 2
    assert [os.path.basename(r[0]) for r in rows[1:]] == ["brick.png", "grass.png"]
    doc = json.loads(json_path.read_text())
    bank = gabor_bank(2, [0.1, 0.3])
    img = np.asarray(Image.open(GRASS).convert("RGB"), dtype=np.float64)
    want = gabor_filter(img, bank, gray=True, zero_mean=True).features()
    grass = doc["images"][1]["features"]
    np.testing.assert_allclose([f["mean"] for f in grass], want["mean"], rtol=1e-4)
    np.testing.assert_allclose([float(v) for v in rows[2][1::2]], want["mean"], rtol=1e-4)
    np.testing.assert_allclose([f["std"] for f in grass], want["std"], rtol=1e-4)
    assert doc["bank"]["thetas"] == [0.0, 90.0, 0.0, 90.0]


def test_gabor_montages_and_saved_kernels(tmp_path, small):
    m, k, npy = tmp_path / "m.png", tmp_path / "k.png", tmp_path / "k.npy"
    res = run("gabor", small, "-n", "3", "-f", "0.1,0.2", "--montage", str(m), "--kernels-montage", str(k),
              "--save-kernels", str(npy), "--tile", "40")
    assert res.exit_code == 0, res.output
    mont = Image.open(m)
    assert mont.mode == "RGB" and mont.size[0] >= 3 * 40 and mont.size[1] >= 2 * 40
    assert Image.open(k).size[1] >= 4 * 40 // 2
    kernels = np.load(npy)
    bank = gabor_bank(3, [0.1, 0.2])
    assert kernels.shape == (6, 2, int(bank.sizes.max()), int(bank.sizes.max()))
    np.testing.assert_allclose(kernels[:, 1], bank.kernels("odd"))


def test_gabor_montage_per_input(tmp_path):
    m = tmp_path / "m.png"
    assert run("gabor", BRICK, GRASS, "-n", "2", "-f", "0.2", "--montage", str(m), "-q").exit_code == 0
    assert sorted(os.listdir(tmp_path)) == ["m_brick.png", "m_grass.png"]


def test_gabor_per_channel_features(tmp_path):
    f = tmp_path / "f.csv"
    assert run("gabor", ASTRONAUT, "-n", "1", "-f", "0.2", "--features", str(f)).exit_code == 0
    header = f.read_text().splitlines()[0].split(",")
    assert header[1:] == [f"{s}_theta0_freq0.2_c{c}" for s in ("mean", "std") for c in range(3)]


@pytest.mark.parametrize("args", [
    [], ["--frequencies", "0.1,x", "--json"], ["--frequencies", "0", "--json"], ["--sigma", "1,2", "--json"],
    ["--orientations", "0", "--json"], ["--features", "f.txt"], ["--montage", "m.jpg"], ["--save-kernels", "k.txt"],
    ["--gamma", "-1", "--json"], ["--max-orientation", "--json"], ["--response", "odd", "--json"],
])
def test_gabor_usage_errors(tmp_path, small, args):
    res = run("gabor", small, *[str(tmp_path / a) if a.endswith((".txt", ".jpg")) else a for a in args])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output


def test_gabor_existing_output_needs_force(tmp_path, small):
    m = tmp_path / "m.png"
    m.write_bytes(b"x")
    res = run("gabor", small, "-n", "1", "-f", "0.2", "--montage", str(m))
    assert res.exit_code == 1 and "--force" in res.output
    assert run("gabor", small, "-n", "1", "-f", "0.2", "--montage", str(m), "--force").exit_code == 0


def test_gabor_batch_failure_is_named(tmp_path, small):
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    res = run("gabor", small, str(bad), "-n", "1", "-f", "0.2", "--features", str(tmp_path / "f.csv"))
    assert res.exit_code == 1
    assert "bad.png" in res.output
    assert len((tmp_path / "f.csv").read_text().splitlines()) == 2


def test_gabor_and_edges_in_a_real_process(tmp_path):
    out = tmp_path / "f.json"
    proc = run_process("gabor", BRICK, "-n", "2", "-f", "0.2", "--gray", "--features", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ok"] == 1 and len(doc["files"][0]["features"]) == 2
    proc = run_process("edges", CAMERA, "-o", "-")
    assert proc.returncode == 0 and proc.stdout.startswith(b"\x89PNG")
    proc = run_process("filter", CAMERA, "--kernel", "gabor:theta=45,frequency=0.1,sigma=4", "--mode", "corr",
                       "--output-range", "rescale", "-o", str(tmp_path / "g.png"))
    assert proc.returncode == 0, proc.stderr
    proc = run_process("gabor", CAMERA, "--frequencies", "zero", "--json")
    assert proc.returncode == 2 and proc.stderr.decode().startswith("convcli: error:")


def test_help_has_examples():
    for cmd in ("gabor", "edges"):
        res = run(cmd, "--help")
        assert res.exit_code == 0 and "Examples" in res.output
