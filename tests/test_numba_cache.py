"""The Numba cache goes to a writable user directory when the configured one is not writable; Numba is
asked for 512-bit vectors where the CPU has them."""

import os
import subprocess
import sys

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


class _Features(dict):
    """llvmlite's host feature map: a dict with ``flatten``."""

    def flatten(self):
        return ",".join(("+" if on else "-") + name for name, on in self.items())


def test_wide_vector_features_only_with_avx512():
    assert _numba_cache.wide_vector_features(_Features(avx2=True, avx512f=False)) is None
    assert _numba_cache.wide_vector_features(_Features(avx2=True)) is None
    got = _numba_cache.wide_vector_features(_Features(avx2=True, avx512f=True))
    assert got == "+avx2,+avx512f,-prefer-256-bit"


def test_wide_vectors_leaves_a_loaded_numba_and_user_settings_alone(monkeypatch):
    import numba  # noqa: F401  (loaded, whichever tests ran before)

    monkeypatch.delenv("NUMBA_CPU_FEATURES", raising=False)
    _numba_cache.wide_vectors()  # Numba is loaded in this process: its compiler is configured already
    assert "NUMBA_CPU_FEATURES" not in os.environ
    monkeypatch.delitem(sys.modules, "numba")
    for name, value in [("CONVCLI_WIDE_VECTORS", "0"), ("NUMBA_CPU_NAME", "generic")]:
        with monkeypatch.context() as m:
            m.setenv(name, value)
            _numba_cache.wide_vectors()
            assert "NUMBA_CPU_FEATURES" not in os.environ
    monkeypatch.setenv("NUMBA_CPU_FEATURES", "+sse2")
    _numba_cache.wide_vectors()
    assert os.environ["NUMBA_CPU_FEATURES"] == "+sse2"


def _features_in_fresh_process(env):
    code = ("import os, convcli.kernels, numba; print(os.environ.get('NUMBA_CPU_FEATURES')); "
            "print(numba.config.CPU_FEATURES)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def test_kernels_ask_numba_for_wide_vectors_in_a_fresh_process():
    import llvmlite.binding as llvm

    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CPU_FEATURES", "NUMBA_CPU_NAME")}
    want = _numba_cache.wide_vector_features(llvm.get_host_cpu_features())
    assert _features_in_fresh_process(env) == [str(want), str(want)]
    assert _features_in_fresh_process({**env, "CONVCLI_WIDE_VECTORS": "0"}) == ["None", "None"]
    assert _features_in_fresh_process({**env, "NUMBA_CPU_FEATURES": "+sse2"}) == ["+sse2", "+sse2"]
