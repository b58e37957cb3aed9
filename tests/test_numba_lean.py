"""Loading a convcli kernel does not import scipy.linalg for Numba's BLAS probe (convcli._numba_lean),
and everything that needs scipy.linalg or BLAS afterwards still works. Fresh interpreters, because
the probe runs once per process."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = """
import importlib.util, sys
available = [m for m in ("yaml", "cffi") if importlib.util.find_spec(m) is not None]  # not dependencies
print("available", ",".join(available) or "-")
from convcli.kernels.boundary import map_index
assert map_index(-1, 5, 1) == 0  # loads Numba's CPU target (and its numba.np.arraymath)
print("linalg-after-kernel", "scipy.linalg" in sys.modules)
print("optional-after-kernel", ",".join(m for m in ("scipy", "yaml", "cffi") if m in sys.modules) or "-")
import numba.core.typing.cffi_utils, numba.core.config
print("cffi-support", numba.core.typing.cffi_utils.SUPPORTED)
print("have-yaml", numba.core.config._HAVE_YAML)
later = []
if "yaml" in available:
    import yaml
    later.append(f"yaml={yaml.safe_load('a: 1')['a']}")
if "cffi" in available:
    import cffi
    later.append(f"cffi={cffi.FFI().sizeof('int')}")
print("later-imports", ",".join(later) or "-")
import numba.np.arraymath
print("have-blas", numba.np.arraymath._HAVE_BLAS)
import numpy as np
from numba import njit
import scipy.linalg
print("lu", scipy.linalg.lu_factor(np.eye(2))[1].tolist())
print("finder-left", any(type(f).__name__ == "_SkipProbes" for f in sys.meta_path))
print("dot", njit(lambda a, b: np.dot(a, b))(np.ones((2, 2)), np.ones((2, 2))).sum())
"""


def _run(**env):
    full = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), **env)
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=full, cwd=ROOT,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return dict(line.split(" ", 1) for line in done.stdout.splitlines())


def test_kernel_load_skips_scipy_linalg_and_blas_still_works():
    out = _run()
    assert out["linalg-after-kernel"] == "False"
    assert out["have-blas"] == "False"
    assert out["lu"] == "[0, 1]"
    assert out["finder-left"] == "False"  # removed once the probe is over
    assert float(out["dot"]) == 8.0  # np.dot in jitted code imports scipy's BLAS when it is compiled


def test_kernel_load_skips_numbas_optional_imports():
    # scipy (a version check in numba/__init__), yaml (a config file that does not exist), cffi
    # (jitted cffi calls): 3-4 MiB and ~30 ms; importing them later works
    out = _run()
    assert out["optional-after-kernel"] == "-"
    assert out["cffi-support"] == "False" and out["have-yaml"] == "False"
    want = {"yaml": "yaml=1", "cffi": "cffi=4"}
    assert out["later-imports"] == (",".join(want[m] for m in out["available"].split(",") if m in want) or "-")


def test_opt_out_keeps_numbas_probe():
    out = _run(CONVCLI_NUMBA_BLAS_PROBE="1")
    assert out["linalg-after-kernel"] == "True"
    assert out["have-blas"] == "True"
    assert out["cffi-support"] == "False"  # only the BLAS probe is back


def test_opt_out_of_all():
    out = _run(CONVCLI_NUMBA_LEAN="0")
    available = set(out["available"].split(",")) - {"-"}
    assert out["have-blas"] == "True"
    assert out["cffi-support"] == str("cffi" in available) and out["have-yaml"] == str("yaml" in available)
    assert set(out["optional-after-kernel"].split(",")) == {"scipy"} | available


def test_top_level_kernels_drop_the_bitcode_kept_for_linking():
    # release_loader_memory(kernel): the direct and separable kernels, called from Python only, keep
    # their machine code but not the LLVM bitcode Numba parses from the cache for linking them
    from unittest import mock

    import numpy as np

    from convcli import convolve, smalldirect
    from convcli.kernels.direct2d import correlate2d
    from convcli.kernels.separable import correlate_separable

    rng = np.random.default_rng(5)
    x = rng.random((300, 310), dtype=np.float32)
    dense, rank1 = rng.random((5, 5)), np.outer(rng.random(7), rng.random(5))
    with mock.patch.object(smalldirect, "SMALL_WORK", -1):
        first = convolve(x, dense, method="direct"), convolve(x, rank1, method="separable")
        for kernel in (correlate2d, correlate_separable):
            assert kernel.overloads
            assert all(cres.library._shared_module is None for cres in kernel.overloads.values())
        again = convolve(x, dense, method="direct"), convolve(x, rank1, method="separable")
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
