"""Multi-channel convolution with 4-D kernels ``K[out, in, kh, kw]`` and channel groups.

SPEC: ``Z[i, j, k] = sum_{l, m, n} V[l, j+m, k+n] K[i, l, m, n]`` for ``mode="corr"`` (the spatial
axes of ``K`` flipped for ``mode="conv"``), on channels-last data ``(H, W, C_in) -> (H', W', C_out)``,
with the padding, boundary, stride and dilation of :func:`convcli.convolve`. With ``groups=G`` the
kernel is ``K[C_out, C_in / G, kh, kw]`` and output channel ``i`` sees only the input channels of its
group ``i // (C_out / G)``, as ``torch.nn.functional.conv2d``'s ``groups``.
"""

from __future__ import annotations

import numpy as np

from convcli.arrays import empty_output
from convcli.conventions import BOUNDARY_CODES, axes_for, per_axis
from convcli.errors import DataError, UsageError

_SERIAL_BELOW = 1 << 21  # multiply-adds


def check_groups(kernel_shape: tuple[int, ...], groups: int) -> int:
    """Validate ``groups`` against a kernel's shape (before any data is read); returns it as an int."""
    if isinstance(groups, bool) or int(groups) != groups or int(groups) < 1:
        raise UsageError(f"groups must be a whole number of at least 1; got {groups!r}")
    groups = int(groups)
    if len(kernel_shape) != 4:
        if groups != 1:
            raise UsageError(f"groups needs a 4-D kernel K[out, in, kh, kw]; this kernel is "
                             f"{len(kernel_shape)}-D {tuple(kernel_shape)}")
        return groups
    if kernel_shape[0] % groups:
        raise UsageError(f"the kernel's {kernel_shape[0]} output channels cannot be split into {groups} groups")
    return groups


def convolve_multichannel(
    x: np.ndarray,
    kernel: np.ndarray,
    *,
    mode: str,
    padding: str,
    boundary: str,
    stride,
    dilation,
    groups: int,
    dtype,
) -> np.ndarray:
    """The 4-D kernel branch of :func:`convcli.convolve` (options already validated there).

    ``x`` is ``(H, W)`` (one channel) or ``(H, W, C_in)``; the result is ``(H', W', C_out)``.
    """
    from convcli.kernels import multichannel2d as kernels

    groups = check_groups(kernel.shape, groups)
    cout, cpg, kh, kw = kernel.shape
    if x.ndim == 2:
        x = x[:, :, None]
    if x.ndim != 3:
        raise UsageError(f"a 4-D kernel needs an image (H, W) or (H, W, C); got an input of shape {x.shape}")
    cin = x.shape[2]
    if cin != cpg * groups:
        raise DataError(f"the kernel {tuple(kernel.shape)} with groups={groups} needs {cpg * groups} input "
                        f"channels; the input has {cin}")
    ay, ax = axes_for(x.shape[:2], (kh, kw), per_axis("stride", stride, 2), per_axis("dilation", dilation, 2),
                      padding)
    c = kernel[:, :, ::-1, ::-1] if mode == "conv" else kernel
    # the rows and columns the outputs read, extended by the boundary rule, as flat planes
    hp = (ay.length - 1) * ay.stride + (kh - 1) * ay.dilation + 1
    wp = (ax.length - 1) * ax.stride + (kw - 1) * ax.dilation + 1
    plane = hp * wp
    xf = np.empty(cin * plane + wp, dtype=dtype)  # one spare row: unit-stride runs read past the last row
    xf[cin * plane:] = 0
    code = BOUNDARY_CODES[boundary]
    # small problems run on one thread: waking the pool cost ~15 ms on the busy machine
    serial = ay.length * ax.length * kernel.size < _SERIAL_BELOW
    gather = kernels.gather_planes_serial if serial else kernels.gather_planes
    gather(np.ascontiguousarray(x, dtype=dtype), xf, ay.offset, ax.offset, hp, wp, code)
    a, t = np.meshgrid(np.arange(kh), np.arange(kw), indexing="ij")
    spatial = (a * ay.dilation * wp + t * ax.dilation).ravel()
    offs = (np.arange(cpg)[:, None] * plane + spatial[None, :]).ravel().astype(np.int64)
    w = np.ascontiguousarray(c.reshape(cout, cpg * kh * kw), dtype=dtype)
    chan_base = ((np.arange(cout) // (cout // groups)) * cpg * plane).astype(np.int64)
    out = empty_output((ay.length, ax.length, cout), dtype, xf)
    blocks = _row_blocks(ay.length, (kh - 1) * ay.dilation, cpg * wp * np.dtype(dtype).itemsize)
    run = kernels.correlate_taps_serial if serial else kernels.correlate_taps
    run(xf, w, offs, chan_base, out, wp, ay.stride, ax.stride, blocks)
    return out


def _row_blocks(rows: int, halo_rows: int, row_bytes: int) -> int:
    """Blocks of output rows small enough that a block's input rows stay in a 256 KiB cache."""
    from convcli.threads import block_count

    per_block = max(1, (256 * 1024) // max(row_bytes, 1) - halo_rows)
    return max(block_count(rows, per_thread=2), min(rows, -(-rows // per_block)))
