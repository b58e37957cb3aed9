"""Keep Numba's start-up from importing modules that convcli's kernels never use.

While some of Numba's own modules run their import-time code, they import optional packages only to
set a flag or check a version:

- ``numba.np.arraymath`` runs ``import scipy.linalg.cython_blas`` just to decide whether
  ``np.convolve``/``np.correlate`` *inside jitted code* should call BLAS ``dot`` (its ``_HAVE_BLAS``):
  all of ``scipy.linalg`` (75 modules, two OpenBLAS libraries), measured 2026-11-27 at 15-16 MiB of
  resident memory and 0.3-0.6 s per process that loads a kernel;
- ``numba/__init__`` imports ``scipy`` only to check that its version is at least 1.0;
- ``numba.core.config`` imports ``yaml`` only to read a ``.numba_config.yaml`` in the current directory;
- ``numba.core.typing.cffi_utils`` imports ``cffi`` (and pycparser) so that jitted code can call cffi
  functions.

No convcli kernel uses BLAS, cffi or a Numba config file. :func:`skip_optional_imports` installs a finder
that makes exactly those imports fail while the named Numba module is initialising (and, for
``yaml``, only when there is no ``.numba_config.yaml``): the last three were 3-4 MiB of the
process's resident memory (``python -m benchmarks.bench_memory_convolve``, 2026-11-28) and ~30 ms
of start-up. Every later import of these packages, by Numba or anyone else, works as usual. The
effects outside convcli, in a process that loaded a convcli kernel first: jitted
``np.convolve``/``np.correlate`` use Numba's own loop instead of BLAS ``dot``, and jitted code cannot
call cffi functions. Nothing is skipped for a package or Numba module that is already imported;
``CONVCLI_NUMBA_LEAN=0`` turns all of it off, ``CONVCLI_NUMBA_BLAS_PROBE=1`` only the BLAS skip.
"""

from __future__ import annotations

import os
import sys

# (module refused, the Numba module during whose initialisation, a further condition on that module);
# ``import scipy.linalg.cython_blas`` asks for ``scipy`` first
_NO_BLAS = lambda mod: not hasattr(mod, "_HAVE_BLAS")  # noqa: E731  (the probe has not answered yet)
_RULES = (
    ("scipy", "numba.np.arraymath", _NO_BLAS),
    ("scipy.linalg", "numba.np.arraymath", _NO_BLAS),
    ("scipy.linalg.cython_blas", "numba.np.arraymath", _NO_BLAS),
    ("scipy", "numba", lambda mod: True),
    ("yaml", "numba.core.config", lambda mod: not os.path.exists(".numba_config.yaml")),
    ("cffi", "numba.core.typing.cffi_utils", lambda mod: True),
)


def _initialising(mod) -> bool:
    # importlib marks a module's spec as initialising while its body runs
    return bool(getattr(getattr(mod, "__spec__", None), "_initializing", False))


class _SkipProbes:
    """A meta-path finder that refuses the ``_RULES`` imports only while their Numba module initialises."""

    def __init__(self, rules: tuple):
        self.rules = rules

    def find_spec(self, name, path=None, target=None):
        if not any(rule[0] == name for rule in self.rules):
            return None
        for refused, owner_name, condition in self.rules:
            owner = sys.modules.get(owner_name)
            if refused == name and owner is not None and _initialising(owner) and condition(owner):
                raise ModuleNotFoundError(
                    f"{name} is not imported for {owner_name}'s optional use (convcli._numba_lean)", name=name)
        if self._over():
            _remove()
        return None

    def _over(self) -> bool:
        """Every Numba module of the rules has finished initialising."""
        for _, owner_name, _ in self.rules:
            owner = sys.modules.get(owner_name)
            if owner is None or _initialising(owner):
                return False
        return True


_FINDER = _SkipProbes(())


def _remove() -> None:
    if _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)


def skip_optional_imports() -> None:
    """Install the finder (once) with the rules whose Numba module and package are not yet imported."""
    if os.environ.get("CONVCLI_NUMBA_LEAN") == "0" or _FINDER in sys.meta_path:
        return
    blas = os.environ.get("CONVCLI_NUMBA_BLAS_PROBE") != "1"
    rules = tuple(
        rule for rule in _RULES
        if rule[1] not in sys.modules and rule[0] not in sys.modules and (blas or rule[1] != "numba.np.arraymath")
    )
    if rules:
        _FINDER.rules = rules
        sys.meta_path.insert(0, _FINDER)


_TRIMMED = False


def release_loader_memory() -> None:
    """Once per process, after the first kernel has been loaded: return freed heap pages to the system.

    Loading a cached kernel parses its LLVM bitcode and frees most of the scratch memory, but glibc
    keeps freed pages inside its heap; ``malloc_trim`` gives back ~1.5 MiB here (2026-11-28). A no-op
    without glibc.
    """
    global _TRIMMED
    if _TRIMMED:
        return
    _TRIMMED = True
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
