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

After a kernel call, :func:`release_loader_memory` drops the LLVM bitcode Numba keeps with convcli's
top-level kernels for linking them into other jitted code (19 MiB for the direct kernel) and trims
the heap.
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
_CLEANED: dict[int, int] = {}  # id(dispatcher) -> number of its compiled versions already cleaned


def _drop_linking_bitcode(kernel) -> bool:
    """Drop the LLVM bitcode Numba keeps with each compiled version of ``kernel`` for linking it
    into other jitted functions (``library._shared_module``, parsed from the cache when a kernel is
    loaded). Only for convcli's top-level kernels, which are called from Python and never from
    jitted code: their machine code stays loaded and keeps working. True when something was dropped."""
    overloads = kernel.overloads
    if _CLEANED.get(id(kernel)) == len(overloads):
        return False
    _CLEANED[id(kernel)] = len(overloads)
    dropped = False
    for cres in list(overloads.values()):
        library = getattr(cres, "library", None)
        if getattr(library, "_shared_module", None) is not None:
            library._shared_module = None  # llvmlite disposes of the module
            dropped = True
    return dropped


def release_loader_memory(kernel=None) -> None:
    """After a kernel call: give back what loading the kernel left behind.

    With ``kernel`` (a top-level Numba kernel convcli calls from Python only), its versions drop the
    bitcode Numba keeps for linking (:func:`_drop_linking_bitcode`): 19 MiB for the direct kernel,
    peak RSS of an 8192x8192 float32 3x3 convolution 678 -> 660 MiB (2026-11-28; not with
    ``CONVCLI_NUMBA_LEAN=0``). Then, once per process and whenever bitcode was dropped:
    ``malloc_trim``, since glibc keeps freed pages inside its heap (~1.5 MiB more after the first
    load, 2026-11-28). A no-op without glibc.
    """
    global _TRIMMED
    if _TRIMMED and kernel is not None and _CLEANED.get(id(kernel)) == len(kernel.overloads):
        return  # the usual case, checked first: ~20 us less per call right after a large kernel (issue 7)
    dropped = kernel is not None and os.environ.get("CONVCLI_NUMBA_LEAN") != "0" and _drop_linking_bitcode(kernel)
    if _TRIMMED and not dropped:
        return
    _TRIMMED = True
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass
