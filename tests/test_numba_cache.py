"""The Numba cache goes to a writable user directory when the configured one is not writable."""

import os

from convcli import _numba_cache


def test_unwritable_cache_dir_falls_back_to_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/proc/convcli-not-writable")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    _numba_cache.configure()
    want = os.path.join(str(tmp_path), "convcli", "numba")
    assert os.environ["NUMBA_CACHE_DIR"] == want
    assert os.path.isdir(want)


def test_writable_cache_dir_is_kept_and_omp_threads_sleep(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    _numba_cache.configure()
    assert os.environ["NUMBA_CACHE_DIR"] == str(tmp_path)
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    _numba_cache.configure()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
