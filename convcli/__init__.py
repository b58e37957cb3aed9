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
from convcli.edges import edges
from convcli.gabor import GaborBank, GaborResponses, gabor_bank, gabor_filter, gabor_kernel

__all__ += ["GaborBank", "GaborResponses", "edges", "gabor_bank", "gabor_filter", "gabor_kernel"]

# --- pooling, multi-channel kernels, layer, check (issue 4) ---
from convcli.pooling import pool
from convcli.layer import layer
from convcli.equivariance import check_equivariance

__all__ += ["check_equivariance", "layer", "pool"]

# --- operation counts and convolution matrices (issue 5) ---
from convcli.convmatrix import conv_matrix
from convcli.opcount import op_counts

__all__ += ["conv_matrix", "op_counts"]

# --- audio (issue 6) ---
from convcli.io.audio import load_audio, save_audio
from convcli.smoothing import smooth
from convcli.spectrogram import griffin_lim, mel_filterbank
from convcli.stft import istft, stft

__all__ += ["griffin_lim", "istft", "load_audio", "mel_filterbank", "save_audio", "smooth", "stft"]

# --- performance: methods (issue 7) ---
from convcli.methods import select_method

__all__ += ["select_method"]

# --- gradients, locally connected, tiled (issue 8) ---
from convcli.gradients import conv_grad_input, conv_grad_kernel, correlate_valid
from convcli.learning import learn_kernel
from convcli.unshared import locally_connected, tiled_convolve

__all__ += ["conv_grad_input", "conv_grad_kernel", "correlate_valid", "learn_kernel", "locally_connected",
            "tiled_convolve"]

# --- volumes (issue 9) ---
from convcli.io.stacks import read_stack, write_stack
from convcli.phantom import shepp_logan_3d, synthetic_video
from convcli.volume import convolve_frames

__all__ += ["convolve_frames", "read_stack", "shepp_logan_3d", "synthetic_video", "write_stack"]

# --- reliability (issue 10) ---
