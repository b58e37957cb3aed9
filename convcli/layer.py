"""The "complex layer": convolution stage -> detector stage (a nonlinearity) -> pooling stage, and stacks of them.

A layer's convolution is :func:`convcli.convolve` (a 2-D kernel filters each channel alone; a 4-D
kernel ``K[out, in, kh, kw]`` maps channels, with ``groups``), the detector is applied sample by
sample, and the pooling is :func:`convcli.pool`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from convcli.conventions import BOUNDARIES, MODES, PADDINGS, check_choice, per_axis
from convcli.convolve import convolve
from convcli.errors import UsageError
from convcli.pooling import POOL_OPS, POOL_PADDINGS, pool

DETECTORS = ("relu", "abs", "tanh", "none")
LAYER_POOLS = (*POOL_OPS, "none")


@dataclass(frozen=True)
class LayerSpec:
    """One layer: the convolution's options, the detector, and the pooling's options."""

    kernel: np.ndarray
    kernel_spec: str = ""
    mode: str = "conv"
    padding: str = "same"
    boundary: str = "reflect"
    stride: int | tuple[int, ...] = 1
    dilation: int | tuple[int, ...] = 1
    groups: int = 1
    detector: str = "relu"
    pool: str = "max"
    pool_size: int | tuple[int, ...] = 2
    pool_stride: int | tuple[int, ...] | None = None
    pool_padding: str = "valid"

    def validated(self) -> LayerSpec:
        """Check every option (raises :class:`UsageError`); returns the spec with a 2-D/4-D kernel."""
        from convcli.filtering import image_kernel
        from convcli.multichannel import check_groups

        check_choice("mode", self.mode, MODES)
        check_choice("padding", self.padding, PADDINGS)
        check_choice("boundary", self.boundary, BOUNDARIES)
        check_choice("detector", self.detector, DETECTORS)
        check_choice("pool", self.pool, LAYER_POOLS)
        check_choice("pool_padding", self.pool_padding, POOL_PADDINGS)
        per_axis("stride", self.stride, 2)
        per_axis("dilation", self.dilation, 2)
        per_axis("pool_size", self.pool_size, 2)
        if self.pool_stride is not None:
            per_axis("pool_stride", self.pool_stride, 2)
        kernel = image_kernel(np.asarray(self.kernel, dtype=np.float64))
        check_groups(kernel.shape, self.groups)
        return replace(self, kernel=kernel)


def detect(z: np.ndarray, detector: str) -> np.ndarray:
    """The detector stage: ``relu`` max(z, 0), ``abs`` |z|, ``tanh``, or ``none`` (in place when possible)."""
    check_choice("detector", detector, DETECTORS)
    if detector == "relu":
        return np.maximum(z, 0, out=z)
    if detector == "abs":
        return np.abs(z, out=z)
    if detector == "tanh":
        return np.tanh(z, out=z)
    return z


def run_layers(
    x,
    layers: Sequence[LayerSpec],
    *,
    dtype=None,
    nan: str = "error",
    on_stage: Callable[[int, str, np.ndarray], None] | None = None,
) -> np.ndarray:
    """Apply a stack of layers to an image ``(H, W)`` or ``(H, W, C)``.

    ``on_stage(layer_number, stage, array)`` is called after each stage (``input``, ``convolution``,
    ``detector``, ``pooling``) with the array at that point, e.g. to report shapes.
    """
    if not layers:
        raise UsageError("no layers to apply")
    specs = [spec.validated() for spec in layers]
    y = np.asarray(x)
    if on_stage:
        on_stage(0, "input", y)
    for number, spec in enumerate(specs, start=1):
        y = convolve(y, spec.kernel, mode=spec.mode, padding=spec.padding, boundary=spec.boundary,
                     stride=spec.stride, dilation=spec.dilation, groups=spec.groups, dtype=dtype,
                     nan=nan if number == 1 else "propagate")
        if on_stage:
            on_stage(number, "convolution", y)
        if spec.detector != "none":
            y = detect(y, spec.detector)
            if on_stage:
                on_stage(number, "detector", y)
        if spec.pool != "none":
            y = pool(y, op=spec.pool, size=_size(spec.pool_size), stride=_size(spec.pool_stride),
                     padding=spec.pool_padding, dtype=y.dtype, nan="propagate")
            if on_stage:
                on_stage(number, "pooling", y)
    return y


def layer(
    x,
    kernel,
    *,
    detector: str = "relu",
    pool: str = "max",
    pool_size: int | Sequence[int] = 2,
    pool_stride: int | Sequence[int] | None = None,
    pool_padding: str = "valid",
    mode: str = "conv",
    padding: str = "same",
    boundary: str = "reflect",
    stride: int | Sequence[int] = 1,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    dtype=None,
    nan: str = "error",
) -> np.ndarray:
    """One complex layer: ``pool(detector(convolve(x, kernel)))``.

    Parameters
    ----------
    x : array_like
        Image ``(H, W)`` or channels-last ``(H, W, C)``.
    kernel : array_like
        2-D (each channel filtered alone; a 1-D kernel filters along rows) or 4-D ``K[out, in, kh, kw]``.
    detector : {'relu', 'abs', 'tanh', 'none'}
        The nonlinearity applied to every sample of the convolution.
    pool : {'max', 'avg', 'l2', 'none'}
        The pooling stage (``pool_size`` windows every ``pool_stride``, default non-overlapping).
    pool_padding : {'valid', 'same'}
        As :func:`convcli.pool` (its default ``ignore`` boundary).
    mode, padding, boundary, stride, dilation, groups, dtype, nan
        The convolution stage's options, as :func:`convcli.convolve`.

    Returns
    -------
    numpy.ndarray
        Channels-last result (float32 unless ``dtype``).

    Examples
    --------
    >>> import numpy as np
    >>> from convcli import layer
    >>> layer(np.eye(4), [[1.0]], detector="relu", pool="max", pool_size=2)
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    spec = LayerSpec(kernel=np.asarray(kernel, dtype=np.float64), mode=mode, padding=padding, boundary=boundary,
                     stride=_tuple(stride), dilation=_tuple(dilation), groups=groups, detector=detector, pool=pool,
                     pool_size=_tuple(pool_size), pool_stride=None if pool_stride is None else _tuple(pool_stride),
                     pool_padding=pool_padding)
    return run_layers(x, [spec], dtype=dtype, nan=nan)


def _tuple(value):
    return value if isinstance(value, (int, str)) else tuple(value)


def _size(value):
    """Pool sizes for images: an int, or a pair (a string ``"2,3"`` becomes a pair)."""
    if value is None or isinstance(value, int):
        return value
    values = per_axis("pool size", value, 2)
    return values


_KEYS = {f.name for f in fields(LayerSpec)} - {"kernel", "kernel_spec"}


def load_layers(path: str) -> list[LayerSpec]:
    """Read a stack of layers from a JSON or TOML file.

    JSON: ``{"layers": [{"kernel": "gaussian:sigma=1", "detector": "relu", "pool": "max"}, ...]}`` (or the
    list alone); TOML: ``[[layers]]`` tables with the same keys (``kernel`` is a SPEC; a relative kernel
    file is found beside the layer file). Any problem is a :class:`UsageError`.
    """
    from convcli.kernelspec import parse_kernel

    try:
        with open(path, "rb") as fh:
            raw = fh.read(1 << 20)
    except OSError as exc:
        raise UsageError(f"cannot read the layer file: {exc.strerror or exc}", path) from None
    try:
        if path.lower().endswith(".toml"):
            import tomllib

            doc = tomllib.loads(raw.decode("utf-8"))
        else:
            doc = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot parse the layer file: {exc}", path) from None
    items = doc.get("layers") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise UsageError("the layer file needs a non-empty list of layers (JSON {\"layers\": [...]} or TOML "
                         "[[layers]] tables)", path)
    base = os.path.dirname(os.path.abspath(path))
    specs = []
    for number, item in enumerate(items, start=1):
        unknown = sorted(set(item) - _KEYS - {"kernel"})
        if unknown:
            raise UsageError(f"layer {number}: unknown key(s) {', '.join(unknown)} (known: kernel, "
                             f"{', '.join(sorted(_KEYS))})", path)
        spec_text = item.get("kernel")
        if not isinstance(spec_text, str):
            raise UsageError(f"layer {number}: 'kernel' must be a kernel SPEC string", path)
        options = {k: (tuple(v) if isinstance(v, list) else v) for k, v in item.items() if k != "kernel"}
        spec = LayerSpec(kernel=parse_kernel(_beside(spec_text, base)), kernel_spec=spec_text, **options)
        try:
            specs.append(spec.validated())
        except UsageError as exc:
            raise UsageError(f"layer {number}: {exc.message}", path) from None
    return specs


def _beside(spec: str, base: str) -> str:
    """A relative kernel file in a layer file is relative to the layer file."""
    prefix = "@" if spec.startswith("@") else ""
    name = spec[len(prefix):]
    is_file = prefix or name.lower().endswith(".npy")
    if is_file and not os.path.isabs(name) and not os.path.exists(name):
        return prefix + os.path.join(base, name)
    return spec
