"""convcli: fast convolution, filtering and features for images, volumes and audio.

The command-line tool (``convcli``) is a thin layer over these functions, which take and
return NumPy arrays (channels last) and raise :class:`ConvcliError` subclasses.

Only :func:`convolve` and the error classes are imported with the package; every other public
name is imported from its module on first use (PEP 562), so that a program (or a CLI command)
loads only what it uses: less start-up time and memory (a few MiB of module code).
"""

import importlib
import sys
import types

from convcli.convolve import convolve
from convcli.errors import ConvcliError, DataError, InputError, KernelSpecError, OutputError, UsageError

__version__ = "0.1.0"

# public name -> the module that defines it
_LAZY = {
    "load_image": "convcli.io.images",
    "save_image": "convcli.io.images",
    # --- edges and Gabor (issue 3) ---
    "edges": "convcli.edges",
    "GaborBank": "convcli.gabor",
    "GaborResponses": "convcli.gabor",
    "gabor_bank": "convcli.gabor",
    "gabor_filter": "convcli.gabor",
    "gabor_kernel": "convcli.gabor",
    # --- pooling, multi-channel kernels, layer, check (issue 4) ---
    "pool": "convcli.pooling",
    "layer": "convcli.layer",
    "check_equivariance": "convcli.equivariance",
    # --- operation counts and convolution matrices (issue 5) ---
    "conv_matrix": "convcli.convmatrix",
    "op_counts": "convcli.opcount",
    # --- audio (issue 6) ---
    "load_audio": "convcli.io.audio",
    "save_audio": "convcli.io.audio",
    "smooth": "convcli.smoothing",
    "griffin_lim": "convcli.spectrogram",
    "mel_filterbank": "convcli.spectrogram",
    "istft": "convcli.stft",
    "stft": "convcli.stft",
    # --- performance: methods (issue 7) ---
    "select_method": "convcli.methods",
    # --- gradients, locally connected, tiled (issue 8) ---
    "conv_grad_input": "convcli.gradients",
    "conv_grad_kernel": "convcli.gradients",
    "correlate_valid": "convcli.gradients",
    "learn_kernel": "convcli.learning",
    "locally_connected": "convcli.unshared",
    "tiled_convolve": "convcli.unshared",
    # --- volumes (issue 9) ---
    "read_stack": "convcli.io.stacks",
    "write_stack": "convcli.io.stacks",
    "shepp_logan_3d": "convcli.phantom",
    "synthetic_video": "convcli.phantom",
    "convolve_frames": "convcli.volume",
    # --- reliability (issue 10) ---
}

__all__ = ["ConvcliError", "DataError", "InputError", "KernelSpecError", "OutputError", "UsageError",
           "__version__", "convolve", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'convcli' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


_SHADOWED = {"convolve", "edges", "layer", "stft"}  # functions named like their own modules


class _Package(types.ModuleType):
    # importing the submodule ``convcli.edges`` sets the package attribute ``edges`` to the module;
    # keep the function instead (as the eager ``from convcli.edges import edges`` used to)
    def __setattr__(self, name: str, value) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType) and value.__name__ == f"convcli.{name}":
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
