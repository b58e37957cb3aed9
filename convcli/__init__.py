"""convcli: fast convolution, filtering and features for images, volumes and audio.

The command-line tool (``convcli``) is a thin layer over these functions, which take and
return NumPy arrays (channels last) and raise :class:`ConvcliError` subclasses.
"""

from convcli.convolve import convolve
from convcli.errors import ConvcliError, DataError, InputError, KernelSpecError, OutputError, UsageError

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
]
