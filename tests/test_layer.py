import json
import os

import numpy as np
import pytest
from PIL import Image

from convcli import UsageError, convolve, layer, pool
from convcli.layer import LayerSpec, load_layers, run_layers
from tests.clihelp import run
from tests.naive import naive_multichannel, naive_pool

CAMERA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples", "camera.png")
DETECT = {"relu": lambda z: np.maximum(z, 0), "abs": np.abs, "tanh": np.tanh, "none": lambda z: z}


@pytest.mark.parametrize("detector", ["relu", "abs", "tanh", "none"])
@pytest.mark.parametrize("pool_op", ["max", "avg", "l2", "none"])
def test_layer_is_the_three_stages_composed_by_hand(rng, detector, pool_op):
    x = rng.normal(size=(24, 30))
    k = rng.normal(size=(3, 3))
    got = layer(x, k, detector=detector, pool=pool_op, pool_size=3, pool_stride=2, dtype=np.float64)
    z = DETECT[detector](naive_multichannel(x, k[None, None])[..., 0])
    want = z if pool_op == "none" else naive_pool(z, op=pool_op, size=3, stride=2)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_a_4d_kernel_layer_and_its_repeat(rng):
    x = rng.normal(size=(32, 32, 2))
    k = rng.normal(size=(2, 2, 3, 3)) / 4
    spec = LayerSpec(kernel=k, mode="corr", boundary="zero", detector="relu", pool="max", pool_size=2)
    once = run_layers(x, [spec], dtype=np.float64)
    by_hand = naive_pool(np.maximum(naive_multichannel(x, k, mode="corr", boundary="zero"), 0), size=2)
    np.testing.assert_allclose(once, by_hand, rtol=1e-10, atol=1e-12)
    twice = run_layers(x, [spec, spec], dtype=np.float64)
    np.testing.assert_allclose(twice, run_layers(once, [spec], dtype=np.float64), rtol=1e-12)
    assert twice.shape == (8, 8, 2)


def test_stage_callback_reports_every_shape(rng):
    x = rng.normal(size=(20, 20, 3))
    seen = []
    run_layers(x, [LayerSpec(kernel=np.ones((4, 3, 3, 3)), stride=2, pool_size=(2, 5), pool_stride=(2, 1))],
               on_stage=lambda n, stage, arr: seen.append((n, stage, arr.shape)))
    assert seen == [(0, "input", (20, 20, 3)), (1, "convolution", (10, 10, 4)), (1, "detector", (10, 10, 4)),
                    (1, "pooling", (5, 6, 4))]


def test_layer_option_errors():
    x = np.ones((8, 8))
    with pytest.raises(UsageError):
        layer(x, np.ones((3, 3)), detector="sigmoid")
    with pytest.raises(UsageError):
        layer(x, np.ones((3, 3)), pool="median")
    with pytest.raises(UsageError):
        layer(x, np.ones((3, 3)), pool_size=0)
    with pytest.raises(UsageError):
        layer(x, np.ones((3, 3)), groups=2)
    with pytest.raises(UsageError):
        layer(x, np.ones((2, 3, 3)))


def test_layer_file_json_and_toml(tmp_path, rng):
    k = rng.normal(size=(3, 1, 3, 3))
    np.save(tmp_path / "bank.npy", k)
    doc = {"layers": [{"kernel": "bank.npy", "mode": "corr", "detector": "abs", "pool": "max"},
                      {"kernel": "box:3", "detector": "none", "pool": "avg", "pool_size": [2, 1]}]}
    (tmp_path / "stack.json").write_text(json.dumps(doc))
    (tmp_path / "stack.toml").write_text(
        '[[layers]]\nkernel = "bank.npy"\nmode = "corr"\ndetector = "abs"\npool = "max"\n\n'
        '[[layers]]\nkernel = "box:3"\ndetector = "none"\npool = "avg"\npool_size = [2, 1]\n')
    x = rng.normal(size=(16, 16))
    z = naive_pool(np.abs(naive_multichannel(x, k, mode="corr")), size=2)
    box = np.ones((1, 1, 3, 3)) / 9
    want = np.stack([naive_pool(naive_multichannel(z[..., c], box)[..., 0], op="avg", size=(2, 1))
                     for c in range(3)], axis=-1)
    for name in ("stack.json", "stack.toml"):
        specs = load_layers(str(tmp_path / name))
        np.testing.assert_allclose(run_layers(x, specs, dtype=np.float64), want, rtol=1e-10, atol=1e-12)


BAD_FILES = [
    ('{"layers": []}', "non-empty"),
    ('{"layers": [{"kernel": "box:3", "colour": 1}]}', "unknown key"),
    ('{"layers": [{"kernel": "box:3", "pool": "median"}]}', "pool"),
    ("not json", "parse"),
    ('[{"detector": "relu"}]', "kernel"),
]


@pytest.mark.parametrize("text,msg", BAD_FILES)
def test_bad_layer_files_are_usage_errors(tmp_path, text, msg):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(UsageError, match=msg):
        load_layers(str(path))
    res = run("layer", CAMERA, "--layers", str(path), "-o", str(tmp_path / "o.png"))
    assert res.exit_code == 2


def test_cli_layer_writes_the_composition_and_reports(tmp_path):
    out = tmp_path / "o.npy"
    res = run("layer", CAMERA, "--kernel", "sobel-x", "--detector", "abs", "--pool", "max", "--repeat", "2",
              "--report", "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "2 pooling" in res.stdout and "128x128" in res.stdout
    cam = np.asarray(Image.open(CAMERA), dtype=np.float64)
    sob = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
    y = cam
    for _ in range(2):
        y = pool(np.abs(convolve(y, sob, dtype=np.float64)), size=2, dtype=np.float64)
    np.testing.assert_allclose(np.load(out), y, rtol=1e-4, atol=1e-2)


def test_cli_layer_json_has_the_stages(tmp_path):
    res = run("layer", CAMERA, "-k", "gaussian:sigma=1", "--pool-size", "4", "--pool-stride", "2", "--json",
              "-o", str(tmp_path / "o.png"))
    assert res.exit_code == 0, res.output
    stages = json.loads(res.stdout)["files"][0]["stages"]
    assert [s["stage"] for s in stages] == ["input", "convolution", "detector", "pooling"]
    assert stages[-1]["shape"] == [255, 255]


def test_cli_layer_errors(tmp_path, rng):
    out = str(tmp_path / "o.png")
    assert run("layer", CAMERA, "-o", out).exit_code == 2
    assert run("layer", CAMERA, "-k", "box:3", "--layers", "x.json", "-o", out).exit_code == 2
    assert run("layer", CAMERA, "-k", "box:3", "--detector", "sigmoid", "-o", out).exit_code == 2
    assert run("layer", CAMERA, "-k", "box:3", "--pool-size", "0", "-o", out).exit_code == 2
    np.save(tmp_path / "k.npy", np.ones((2, 1, 3, 3)))
    res = run("layer", CAMERA, "-k", str(tmp_path / "k.npy"), "--repeat", "2", "-o", str(tmp_path / "o.npy"))
    assert res.exit_code == 1 and "input channels" in res.stderr
