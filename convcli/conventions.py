"""The numerical conventions of the contract, as small validated helpers shared by every API.

Geometry of one axis (see SPEC "Numerical conventions"): with ``n`` input samples, a kernel of
``k`` taps dilated by ``d`` (effective size ``ke = d*(k-1)+1``), the ``full`` output has
``n+ke-1`` samples; ``same`` is ``full`` cropped to ``n`` samples starting at ``(ke-1)//2``;
``valid`` is ``full[ke-1 : n]``. A stride ``s`` keeps samples ``0, s, 2s, ...`` of that.
In correlation form every output sample ``r`` reads input samples ``offset + r*s + t*d``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from convcli.errors import DataError, UsageError

MODES = ("conv", "corr")
PADDINGS = ("same", "valid", "full")
BOUNDARY_CODES = {"zero": 0, "reflect": 1, "mirror": 2, "nearest": 3, "wrap": 4}
BOUNDARIES = tuple(BOUNDARY_CODES)


def check_choice(name: str, value: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise :class:`UsageError`."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise UsageError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def per_axis(name: str, value: int | Sequence[int], ndim: int, *, minimum: int = 1) -> tuple[int, ...]:
    """Normalise an int or a per-axis sequence (e.g. ``stride=2`` or ``(2, 1)``) to ``ndim`` ints."""
    if isinstance(value, str):
        try:
            value = [int(v) for v in value.split(",")]
        except ValueError:
            raise UsageError(f"{name} must be an integer or comma-separated integers; got {value!r}") from None
    if isinstance(value, Iterable):
        values = tuple(value)
    else:
        values = (value,) * ndim
    if len(values) == 1 and ndim > 1:
        values = values * ndim
    if len(values) != ndim:
        raise UsageError(f"{name} needs 1 or {ndim} values; got {len(values)}")
    out = []
    for v in values:
        if isinstance(v, bool) or int(v) != v:
            raise UsageError(f"{name} must be a whole number; got {v!r}")
        if int(v) < minimum:
            raise UsageError(f"{name} must be at least {minimum}; got {int(v)}")
        out.append(int(v))
    return tuple(out)


@dataclass(frozen=True)
class Axis:
    """Geometry of one axis of a convolution (see the module doc)."""

    n: int
    k: int
    stride: int = 1
    dilation: int = 1
    padding: str = "same"

    @cached_property
    def effective(self) -> int:
        return self.dilation * (self.k - 1) + 1

    @cached_property
    def start(self) -> int:
        """Index of the first kept sample in ``full`` coordinates."""
        ke = self.effective
        return {"full": 0, "same": (ke - 1) // 2, "valid": ke - 1}[self.padding]

    @cached_property
    def unit_length(self) -> int:
        """Number of output samples at stride 1."""
        ke = self.effective
        return {"full": self.n + ke - 1, "same": self.n, "valid": self.n - ke + 1}[self.padding]

    @cached_property
    def length(self) -> int:
        """Number of output samples at this stride."""
        u = self.unit_length
        return 0 if u <= 0 else (u + self.stride - 1) // self.stride

    def centers(self):
        """For each output sample, the input index at the kernel's centre (clamped into the input).

        Used to carry alpha (or any per-pixel label) through the same geometry as the filter.
        """
        import numpy as np

        idx = self.start - (self.effective - 1) // 2 + self.stride * np.arange(max(self.length, 0))
        return np.clip(idx, 0, self.n - 1)

    @cached_property
    def offset(self) -> int:
        """Input index read by output sample 0 with tap 0 (correlation form)."""
        return self.start - (self.effective - 1)


def axes_for(
    shape: Sequence[int],
    kshape: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
    padding: str,
) -> tuple[Axis, ...]:
    """Geometry of every axis; raises :class:`DataError` when an axis has no output."""
    return _axes_for(tuple(shape), tuple(kshape), tuple(stride), tuple(dilation), padding)


# Remembered per geometry: repeated calls (batches, benchmarks, filter banks) skip the Python work,
# which right after a large convolution runs from cold caches (~0.1-0.3 ms per call, issue 7).
@lru_cache(maxsize=256)
def _axes_for(shape, kshape, stride, dilation, padding) -> tuple[Axis, ...]:
    axes = tuple(
        Axis(int(n), int(k), s, d, padding) for n, k, s, d in zip(shape, kshape, stride, dilation, strict=True)
    )
    for ax in axes:
        if ax.length <= 0:
            raise DataError(
                f"the kernel ({'x'.join(str(a.effective) for a in axes[::-1])} with dilation) is larger "
                f"than the input ({'x'.join(str(a.n) for a in axes[::-1])}): {padding} padding leaves no output"
            )
    return axes
