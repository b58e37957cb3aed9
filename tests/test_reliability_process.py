"""Real processes: `-o - | head -c 10`, Ctrl-C mid-batch (single and --jobs), read-only Numba
caches, and byte-identical results across runs and thread counts."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from tests.badfiles import PNG_SIG
from tests.clihelp import ROOT, run, run_process


def _env(extra: dict | None = None, pythonpath: str = ROOT) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = pythonpath
    env.pop("CONVCLI_DEBUG", None)
    env.update(extra or {})
    return env


def _noise_png(path, shape=(512, 512, 3), seed=0):
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)).save(path)
    return str(path)


# -o - | head -c 10 ---------------------------------------------------------------------------------


def test_stdout_into_head_ends_quietly(tmp_path):
    # the PNG (~600 kB) is far bigger than a pipe's buffer, so the writer always meets the closed pipe
    src = _noise_png(tmp_path / "noise.png")
    convcli = subprocess.Popen([sys.executable, "-m", "convcli", "filter", src, "-k", "box:3", "-o", "-"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    head = subprocess.Popen(["head", "-c", "10"], stdin=convcli.stdout, stdout=subprocess.PIPE)
    convcli.stdout.close()
    first, _ = head.communicate(timeout=300)
    err = convcli.stderr.read()
    code = convcli.wait(timeout=300)
    assert first == PNG_SIG + b"\0\0"
    assert err == b""  # no traceback, no message: the reader chose to stop
    assert code == 1  # the output could not be written in full (click's convention for EPIPE)
    assert sorted(os.listdir(tmp_path)) == ["noise.png"]


def test_stdout_through_a_shell_pipeline(tmp_path):
    src = _noise_png(tmp_path / "noise.png")
    cmd = f"'{sys.executable}' -m convcli filter '{src}' -k box:3 -o - | head -c 10 | od -c | head -1"
    done = subprocess.run(["sh", "-c", cmd], capture_output=True, env=_env(), timeout=300)
    assert done.returncode == 0
    assert done.stderr == b""
    assert b"P   N   G" in done.stdout


def test_full_stdout_is_complete(tmp_path):
    src = _noise_png(tmp_path / "noise.png")
    done = run_process("filter", src, "-k", "box:3", "-o", "-")
    assert done.returncode == 0
    (tmp_path / "o.png").write_bytes(done.stdout)
    ref = tmp_path / "ref.png"
    assert run("filter", src, "-k", "box:3", "-o", str(ref)).exit_code == 0
    assert done.stdout == ref.read_bytes()


# Ctrl-C mid-batch ----------------------------------------------------------------------------------


N_BATCH = 80  # enough inputs that a loaded machine cannot finish them all before the signal


@pytest.fixture(scope="module")
def batch_inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("ctrlc")
    src = root / "in"
    src.mkdir()
    first = _noise_png(src / "f000.png", (900, 900, 3))
    for i in range(1, N_BATCH):
        shutil.copy(first, src / f"f{i:03d}.png")
    ref = root / "ref.png"
    assert run("filter", first, "-k", "gaussian:sigma=1", "-o", str(ref)).exit_code == 0
    return src, ref.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("jobs,how", [(1, "group"), (2, "group"), (2, "parent"), (1, "term"), (2, "term")])
def test_ctrl_c_mid_batch_leaves_only_complete_outputs(tmp_path, batch_inputs, jobs, how):
    src, reference = batch_inputs
    out = tmp_path / "out"
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "convcli", "filter", str(src), "-k", "gaussian:sigma=1", "--out-dir", str(out),
         "--jobs", str(jobs)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), start_new_session=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        done = [n for n in os.listdir(out) if n.endswith(".png")] if out.is_dir() else []
        if len(done) >= 2:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the batch ended before it could be interrupted"
    if how == "group":  # what a terminal's Ctrl-C does: every process in the foreground group gets SIGINT
        os.killpg(proc.pid, signal.SIGINT)
    elif how == "parent":
        proc.send_signal(signal.SIGINT)
    else:  # `kill PID` or `timeout`: SIGTERM to convcli only, handled the same way, exit 128 + 15
        proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == (143 if how == "term" else 130), stderr.decode()
    assert b"Traceback" not in stderr and stdout == b""
    names = sorted(os.listdir(out))
    assert not [n for n in names if not n.endswith(".png") or n.startswith(".")], names  # no temp files
    assert 2 <= len(names) < N_BATCH
    for name in names:
        assert (out / name).read_bytes() == reference, name  # complete, and the right result
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before


# read-only Numba caches --------------------------------------------------------------------------


def _lock(path) -> bool:
    """Make ``path`` (recursively) unwritable even for root (chattr +i); False if impossible."""
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chmod(os.path.join(root, name), 0o555 if name in dirs else 0o444)
    os.chmod(path, 0o555)
    if os.geteuid() != 0:
        return True
    return subprocess.run(["chattr", "-R", "+i", str(path)], capture_output=True).returncode == 0


def _unlock(path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-R", "-i", str(path)], capture_output=True)
    for root, dirs, _ in os.walk(path):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
    os.chmod(path, 0o755)


def _writable(path) -> bool:
    try:
        with open(os.path.join(path, ".probe"), "wb"):
            pass
        os.unlink(os.path.join(path, ".probe"))
        return True
    except OSError:
        return False


@pytest.fixture
def sample(tmp_path):
    src = _noise_png(tmp_path / "a.png", (1500, 1500, 3), seed=3)
    ref = tmp_path / "ref.png"
    assert run(NUMBA_COMMAND[0], src, *NUMBA_COMMAND[1:], "-o", str(ref)).exit_code == 0
    return src, ref.read_bytes()


# A command that compiles Numba kernels into an empty cache: max pooling (its kernels compile in
# ~8 s; the direct filter kernel takes ~2 minutes, and these tests start from empty caches twice)
NUMBA_COMMAND = ("pool", "--size", "2", "--op", "max")


def _numba_run_in_process(src, out, env, pythonpath=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "convcli", NUMBA_COMMAND[0], src, *NUMBA_COMMAND[1:], "-o", str(out)],
        capture_output=True, env=_env(env, pythonpath), timeout=600, cwd=os.path.dirname(str(out)))


@pytest.mark.slow
def test_read_only_numba_cache_dir_still_runs(tmp_path, sample):
    src, reference = sample
    locked = tmp_path / "numba-cache"
    locked.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    try:
        if not _lock(locked) or _writable(locked):
            pytest.skip("cannot make a read-only folder here")
        done = _numba_run_in_process(src, tmp_path / "o.png",
                                  {"NUMBA_CACHE_DIR": str(locked), "HOME": str(home), "XDG_CACHE_HOME": ""})
        assert done.returncode == 0, done.stderr.decode()
        assert done.stderr == b""
        assert (tmp_path / "o.png").read_bytes() == reference
        assert os.listdir(locked) == []
        assert os.listdir(home / ".cache" / "convcli" / "numba")  # the fallback cache was used
    finally:
        _unlock(locked)


@pytest.mark.slow
def test_read_only_package_and_caches_still_run(tmp_path, sample):
    src, reference = sample
    pkg = tmp_path / "site"
    shutil.copytree(os.path.join(ROOT, "convcli"), pkg / "convcli",
                    ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
    cache_home = tmp_path / "cache-home"
    cache_home.mkdir()
    locked_home = tmp_path / "locked-home"
    locked_home.mkdir()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    try:
        if not _lock(pkg) or _writable(pkg / "convcli" / "kernels"):
            pytest.skip("cannot make a read-only folder here")
        # the package folder is read-only: kernels are cached in the user's cache folder
        done = _numba_run_in_process(src, tmp_path / "o1.png", {"XDG_CACHE_HOME": str(cache_home)}, str(pkg))
        assert done.returncode == 0, done.stderr.decode()
        assert (tmp_path / "o1.png").read_bytes() == reference
        assert os.listdir(cache_home / "convcli" / "numba")
        # the package, NUMBA_CACHE_DIR and the user's cache are all read-only: a temporary cache
        assert _lock(locked_home)
        done = _numba_run_in_process(src, tmp_path / "o2.png",
                                  {"XDG_CACHE_HOME": str(locked_home), "NUMBA_CACHE_DIR": str(locked_home),
                                   "TMPDIR": str(tmp)}, str(pkg))
        assert done.returncode == 0, done.stderr.decode()
        assert (tmp_path / "o2.png").read_bytes() == reference
        assert [n for n in os.listdir(tmp) if n.startswith("convcli-numba-")]
    finally:
        _unlock(pkg)
        _unlock(locked_home)


# determinism ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_byte_identical_across_runs_threads_and_jobs(tmp_path):
    src_dir = tmp_path / "in"
    src_dir.mkdir()
    _noise_png(src_dir / "a.png", (301, 257, 3), seed=5)
    _noise_png(src_dir / "b.png", (64, 1030), seed=6)
    args = ["filter", str(src_dir), "-k", "gaussian:sigma=2.5", "--boundary", "mirror", "--dilation", "1,2"]
    outputs = {}
    for label, threads, jobs in [("t1", "1", "1"), ("t2", "2", "1"), ("jobs", "2", "2")]:
        out = tmp_path / label
        done = subprocess.run([sys.executable, "-m", "convcli", *args, "--out-dir", str(out), "--format", "npy",
                               "--jobs", jobs], capture_output=True, env=_env({"NUMBA_NUM_THREADS": threads}),
                              timeout=600)
        assert done.returncode == 0, done.stderr.decode()
        outputs[label] = {p.name: p.read_bytes() for p in out.iterdir()}
    for label in ("in-process", "again"):  # this process's own thread count, twice; PNG bytes too
        for fmt in ("npy", "png"):
            res = run(*args, "--out-dir", str(tmp_path / label / fmt), "--format", fmt)
            assert res.exit_code == 0, res.stderr
        outputs[label] = {p.name: p.read_bytes() for p in (tmp_path / label / "npy").iterdir()}
        outputs[label + "-png"] = {p.name: p.read_bytes() for p in (tmp_path / label / "png").iterdir()}
    assert sorted(outputs["t1"]) == ["a.npy", "b.npy"]
    for label in ("t2", "jobs", "in-process", "again"):
        assert outputs[label] == outputs["t1"], label
    assert outputs["in-process-png"] == outputs["again-png"]
    a = np.load(tmp_path / "t1" / "a.npy")
    assert a.dtype == np.float32 and a.shape == (301, 257, 3)


@pytest.mark.slow
def test_ctrl_c_while_the_output_is_being_written(tmp_path):
    # one large input; SIGINT as soon as the temporary file exists, i.e. in the middle of the write
    src = _noise_png(tmp_path / "big.png", (2500, 2500, 3), seed=9)
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "convcli", "filter", src, "-k", "box:3", "-o", str(out / "o.png")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), start_new_session=True)
    deadline = time.monotonic() + 240
    seen = False
    while time.monotonic() < deadline and proc.poll() is None:
        if any(n.endswith(".part") for n in os.listdir(out)):
            seen = True
            break
        time.sleep(0.002)
    if not seen:
        proc.wait(timeout=60)
        pytest.skip("the write was too quick to interrupt on this machine")
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    if proc.returncode in (0, -signal.SIGINT):
        # the signal came after the rename: the output must be complete and alone. -SIGINT: it came
        # while the interpreter was exiting, after it had put back the default handler (no traceback)
        assert os.listdir(out) == ["o.png"] and not stderr
        assert Image.open(out / "o.png").size == (2500, 2500)
        pytest.skip("the signal arrived after the output was complete")
    assert proc.returncode == 130, stderr.decode()
    assert b"Traceback" not in stderr
    assert os.listdir(out) == []
