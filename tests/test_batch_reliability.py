"""Batch runs of ``convcli filter``: files, quoted globs, folders (--recursive), --out-dir naming
(--suffix, --format), --jobs, --fail-fast, the summary, and the progress bar (only on a terminal)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.badfiles import snapshot
from tests.clihelp import ROOT, run


def _img(path, seed, shape=(20, 24)):
    path.parent.mkdir(parents=True, exist_ok=True)
    arr = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    Image.fromarray(arr).save(path)
    return arr


def _box3(arr):
    from convcli import convolve

    return np.clip(np.rint(convolve(arr, np.ones((3, 3)) / 9, dtype=np.float64)), 0, 255)


@pytest.fixture
def tree(tmp_path):
    """in/a.png, in/b.jpg, in/notes.txt, in/sub/c.png, in/sub/deeper/d.tif"""
    root = tmp_path / "in"
    arrays = {
        "a.png": _img(root / "a.png", 1),
        "sub/c.png": _img(root / "sub" / "c.png", 3),
        "sub/deeper/d.tif": _img(root / "sub" / "deeper" / "d.tif", 4),
    }
    Image.fromarray(arrays["a.png"]).save(root / "b.jpg", quality=100)
    (root / "notes.txt").write_text("not an image")
    return tmp_path, arrays


def _listing(path) -> list[str]:
    return sorted(os.path.relpath(os.path.join(r, n), path) for r, _, ns in os.walk(path) for n in ns)


def test_folder_without_recursive_takes_its_images_only(tree):
    tmp, _ = tree
    res = run("filter", str(tmp / "in"), "-k", "box:3", "--out-dir", str(tmp / "out"))
    assert res.exit_code == 0, res.stderr
    assert _listing(tmp / "out") == ["a.png", "b.jpg"]
    assert res.stderr == ""  # no progress bar and no summary off a terminal


def test_recursive_mirrors_sub_folders_with_suffix_and_format(tree):
    tmp, arrays = tree
    before = snapshot(tmp / "in")
    res = run("filter", str(tmp / "in"), "-r", "-k", "box:3", "--out-dir", str(tmp / "out"),
              "--suffix", "_box", "--format", "png", "--jobs", "2")
    assert res.exit_code == 0, res.stderr
    assert _listing(tmp / "out") == ["a_box.png", "b_box.png", "sub/c_box.png", "sub/deeper/d_box.png"]
    for rel, arr in arrays.items():
        stem = os.path.splitext(rel)[0]
        got = np.asarray(Image.open(tmp / "out" / f"{stem}_box.png"), dtype=np.float64)
        assert np.abs(got - _box3(arr)).max() <= 1, rel
    assert snapshot(tmp / "in") == before


def test_quoted_globs_are_expanded_by_convcli(tree):
    tmp, _ = tree
    res = run("filter", str(tmp / "in" / "*.png"), str(tmp / "in" / "sub" / "deeper" / "*.tif"),
              "-k", "box:3", "--out-dir", str(tmp / "out"))
    assert res.exit_code == 0, res.stderr
    assert _listing(tmp / "out") == ["a.png", "d.tif"]
    res = run("filter", str(tmp / "in" / "**" / "*.png"), "-r", "-k", "box:3", "--out-dir", str(tmp / "o2"),
              "--format", "npy")
    assert res.exit_code == 0, res.stderr
    assert _listing(tmp / "o2") == ["a.npy", "c.npy"]


def test_glob_matching_nothing_and_empty_folder_are_usage_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    for arg in (str(tmp_path / "*.png"), str(tmp_path / "empty")):
        res = run("filter", arg, "-k", "box:3", "--out-dir", str(tmp_path / "out"))
        assert res.exit_code == 2
        assert res.stderr.startswith("convcli: error:") and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_two_inputs_with_one_output_name_are_refused_before_any_work(tree):
    tmp, _ = tree
    _img(tmp / "in" / "sub" / "a.png", 9)
    res = run("filter", str(tmp / "in" / "a.png"), str(tmp / "in" / "sub" / "a.png"), "-k", "box:3",
              "--out-dir", str(tmp / "out"))
    assert res.exit_code == 2 and "--suffix" in res.stderr
    assert not (tmp / "out").exists()
    res = run("filter", str(tmp / "in" / "a.png"), str(tmp / "in" / "b.jpg"), "-k", "box:3", "-o", "x.png")
    assert res.exit_code == 2 and "--out-dir" in res.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_failures_are_named_and_the_others_still_run(tree, jobs):
    tmp, _ = tree
    (tmp / "in" / "bad1.png").write_bytes(b"\x89PNG\r\n\x1a\nnope")
    (tmp / "in" / "bad2.npy").write_bytes(b"")
    res = run("filter", str(tmp / "in"), "-k", "box:3", "--out-dir", str(tmp / "out"), "--jobs", jobs, "--json")
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 3 and lines[-1] == "convcli: 2 of 4 inputs failed"
    assert any("bad1.png" in line for line in lines[:2]) and any("bad2.npy" in line for line in lines[:2])
    doc = json.loads(res.stdout)
    assert doc["ok"] == 2 and doc["failed"] == 2
    assert sorted(os.path.basename(f["input"]) for f in doc["failures"]) == ["bad1.png", "bad2.npy"]
    assert all(f["exit_code"] == 1 for f in doc["failures"])
    assert _listing(tmp / "out") == ["a.png", "b.jpg"]


def test_fail_fast_stops_at_the_first_failure(tree):
    tmp, _ = tree
    (tmp / "in" / "0bad.png").write_bytes(b"junk")
    res = run("filter", str(tmp / "in"), "-k", "box:3", "--out-dir", str(tmp / "out"), "--fail-fast")
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert "0bad.png" in lines[0]
    assert lines[-1] == "convcli: 1 of 3 inputs failed; 2 not run (--fail-fast)"
    assert _listing(tmp / "out") == []


def test_fail_fast_with_jobs_stops_early(tmp_path):
    src = tmp_path / "in"
    (src).mkdir()
    (src / "000bad.png").write_bytes(b"junk")
    for i in range(1, 30):
        _img(src / f"{i:03d}.png", i, (300, 300))
    res = run("filter", str(src), "-k", "box:3", "--out-dir", str(tmp_path / "out"), "--fail-fast", "--jobs", "2")
    assert res.exit_code == 1 and "000bad.png" in res.stderr
    written = _listing(tmp_path / "out")
    assert len(written) < 29 and not [n for n in written if n.endswith(".part")]


def test_existing_outputs_in_a_batch_are_failures_without_force(tree):
    tmp, _ = tree
    (tmp / "out").mkdir()
    (tmp / "out" / "a.png").write_bytes(b"keep")
    res = run("filter", str(tmp / "in"), "-k", "box:3", "--out-dir", str(tmp / "out"))
    assert res.exit_code == 1 and "--force" in res.stderr and "a.png" in res.stderr
    assert (tmp / "out" / "a.png").read_bytes() == b"keep"
    assert (tmp / "out" / "b.jpg").exists()
    res = run("filter", str(tmp / "in"), "-k", "box:3", "--out-dir", str(tmp / "out"), "--force")
    assert res.exit_code == 0 and (tmp / "out" / "a.png").read_bytes()[:4] == b"\x89PNG"


def test_progress_bar_and_summary_only_on_a_terminal(tree):
    import pty

    tmp, _ = tree
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=ROOT, COLUMNS="100")
    proc = subprocess.Popen([sys.executable, "-m", "convcli", "filter", str(tmp / "in"), "-r", "-k", "box:3",
                             "--out-dir", str(tmp / "out")],
                            stdout=subprocess.PIPE, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=300) == 0
    os.close(leader)
    text = b"".join(chunks).decode(errors="replace")
    assert "convcli: 4 files in" in text  # the summary, on a terminal only
    assert proc.stdout.read() == b""
    assert _listing(tmp / "out") == ["a.png", "b.jpg", "sub/c.png", "sub/deeper/d.tif"]


def test_progress_bar_draws_on_a_terminal(monkeypatch, capsys):
    from convcli import batch

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    bar = batch._progress_bar(3, "filtering")
    assert bar._progress is not None
    bar.advance()
    bar.close()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert batch._progress_bar(3, "filtering")._progress is None


def test_a_worker_that_dies_fails_only_its_own_file():
    from convcli.batch import WORKER_DIED, Job, run_jobs
    from tests.badfiles import crashing_work

    names = ["a", "b", "crash1", "c", "d", "crash2", "e", "f"]
    jobs = [Job(f"{n}.png", f"out/{n}.png") for n in names]
    result = run_jobs(jobs, crashing_work, n_jobs=2, progress=False)
    assert sorted(r["input"] for r in result.reports) == [f"{n}.png" for n in "abcdef"]
    assert sorted(f.src for f in result.failures) == ["crash1.png", "crash2.png"]
    assert all(WORKER_DIED in f.message and f.src in f.message for f in result.failures)
    assert result.exit_code == 1
    stopped = run_jobs(jobs, crashing_work, n_jobs=2, progress=False, fail_fast=True)
    assert [f.src for f in stopped.failures] == ["crash1.png"]
    assert len(stopped.reports) < 6


def test_workers_that_ignore_sigterm_are_killed_after_the_grace_period(tmp_path):
    # Ctrl-C of a batch: the parent stops its workers with SIGTERM; a worker that cannot act on it
    # (blocked on a queue lock another worker left taken) is killed, so the pool's shutdown returns
    import time
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from convcli.batch import _stop_pool
    from tests.helpers_stuck_worker import ignore_term_and_sleep, ready

    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    assert pool.submit(ready).result(timeout=60) == 1  # the worker is up
    marker = tmp_path / "ignoring"
    stuck = pool.submit(ignore_term_and_sleep, str(marker), 300)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert marker.exists()  # inside the job, SIGTERM ignored
    start = time.monotonic()
    _stop_pool(pool, grace=0.5)
    assert time.monotonic() - start < 30
    assert stuck.done()
