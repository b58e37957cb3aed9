"""convcli: fast convolution, filtering and features for images, volumes and audio.

The command-line tool (``convcli``) is a thin layer over these functions, which take and
return NumPy arrays (channels last) and raise :class:`ConvcliError` subclasses.
"""

from convcli.convolve import convolve
from convcli.errors import ConvcliError, DataError, InputError, KernelSpecError, OutputError, UsageError
from convcli.io.images import load_image, save_image

__version__ = "0.1.0"

__all__ = [
    "ConvcliError",
    "DataError",
    "InputError",
    "KernelSpecError",
    "OutputError",
    "UsageError",
    "__version__",
    "convolve",
    "load_image",
    "save_image",
]

# --- edges and Gabor (issue 3) ---

# --- pooling, multi-channel kernels, layer, check (issue 4) ---

# --- operation counts and convolution matrices (issue 5) ---

# --- audio (issue 6) ---

# --- performance: methods (issue 7) ---
from convcli.methods import select_method

__all__ += ["select_method"]

# --- gradients, locally connected, tiled (issue 8) ---

# --- volumes (issue 9) ---

# --- reliability (issue 10) ---
