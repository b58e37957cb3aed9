"""The built-in kernels: a registry of named factories with typed, documented parameters.

Other modules add entries with :func:`register` (e.g. ``gabor``). Factories return float64 arrays
in the contract's orientation: rows = y (downward), columns = x (rightward).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from convcli.errors import KernelSpecError


@dataclass(frozen=True)
class Param:
    """One parameter of a built-in kernel."""

    name: str
    kind: type  # int or float
    default: float | int | None
    doc: str
    minimum: float | None = None
    positive: bool = False  # strictly greater than minimum


@dataclass(frozen=True)
class Builtin:
    """A named kernel factory."""

    name: str
    summary: str
    factory: Callable[..., np.ndarray]
    params: tuple[Param, ...] = field(default_factory=tuple)
    aliases: tuple[str, ...] = ()

    def build(self, values: dict[str, float | int]) -> np.ndarray:
        """Call the factory with ``values`` over the parameters' defaults."""
        merged = {p.name: p.default for p in self.params}
        merged.update(values)
        return np.asarray(self.factory(**merged), dtype=np.float64)


REGISTRY: dict[str, Builtin] = {}


def register(builtin: Builtin) -> Builtin:
    """Add a built-in kernel (and its aliases) to the registry."""
    for name in (builtin.name, *builtin.aliases):
        REGISTRY[name] = builtin
    return builtin


def builtins() -> list[Builtin]:
    """The registered kernels, each once, in registration order."""
    seen: dict[str, Builtin] = {}
    for b in REGISTRY.values():
        seen.setdefault(b.name, b)
    return list(seen.values())


# --- factories -------------------------------------------------------------------------------

_SMOOTH = {"sobel": (1.0, 2.0, 1.0), "prewitt": (1.0, 1.0, 1.0), "scharr": (3.0, 10.0, 3.0)}


def _gradient_x(weights: tuple[float, float, float]) -> np.ndarray:
    # textbook orientation for true convolution: conv with this is positive where intensity grows
    # to the right (the kernel is flipped, so it reads right minus left)
    return np.outer(weights, [1.0, 0.0, -1.0])


MAX_SIDE = 4096  # 4096 x 4096 = 16 M taps, the SPEC parser's limit too


def _check_side(name: str, size: int) -> None:
    # refuse before allocating: box:100000 would otherwise ask for 75 GiB
    if size > MAX_SIDE:
        raise KernelSpecError(f"{name} kernel of {size}x{size} taps is too large (at most {MAX_SIDE} per side)")


def _box(size: int) -> np.ndarray:
    _check_side("box", size)
    return np.full((size, size), 1.0 / (size * size))


def gaussian_1d(sigma: float, size: int | None = None) -> np.ndarray:
    """Normalised sampled Gaussian, ``size`` odd (default ``2*ceil(3*sigma)+1``)."""
    if size is None:
        size = 2 * math.ceil(3 * sigma) + 1
    _check_side("gaussian", size)
    t = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-(t**2) / (2.0 * sigma**2))
    return g / g.sum()


def _gaussian(sigma: float, size: int | None = None) -> np.ndarray:
    g = gaussian_1d(sigma, size)
    return np.outer(g, g)


def _identity(size: int = 3) -> np.ndarray:
    if size % 2 == 0:  # an even delta would shift the image by half a pixel
        raise KernelSpecError(f"identity needs an odd size (the delta sits at the centre); got {size}")
    _check_side("identity", size)
    k = np.zeros((size, size))
    k[(size - 1) // 2, (size - 1) // 2] = 1.0
    return k


def _exp_decay(alpha: float, n: int) -> np.ndarray:
    w = np.exp(-alpha * np.arange(n))
    return w / w.sum()


for _name, _w in _SMOOTH.items():
    register(Builtin(f"{_name}-x", f"{_name.capitalize()} horizontal derivative (3x3)",
                     lambda _w=_w: _gradient_x(_w)))
    register(Builtin(f"{_name}-y", f"{_name.capitalize()} vertical derivative (3x3, y grows downward)",
                     lambda _w=_w: _gradient_x(_w).T))

register(Builtin("laplacian", "4-neighbour Laplacian (3x3)",
                 lambda: np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])))
register(Builtin("diff", "two-tap difference [1, -1] (1 row, 2 columns): with --mode corr --padding valid, "
                 "pixel minus its right neighbour", lambda: np.array([[1.0, -1.0]])))
register(Builtin("identity", "the delta kernel (output = input)", _identity,
                 (Param("size", int, 3, "kernel size (odd)", 1),)))
register(Builtin("box", "normalised NxN mean", _box, (Param("size", int, 3, "side length", 1),)))
register(Builtin("gaussian", "normalised 2-D Gaussian (separable)", _gaussian,
                 (Param("sigma", float, 1.0, "standard deviation in pixels", 0.0, True),
                  Param("size", int, None, "side length (default 2*ceil(3*sigma)+1)", 1))))
register(Builtin("moving-average", "1-D mean of N samples", lambda n: np.full(n, 1.0 / n),
                 (Param("n", int, 5, "number of samples", 1),)))
register(Builtin("exp-decay", "1-D causal weights exp(-alpha*t), t = 0..n-1, normalised to sum 1",
                 _exp_decay,
                 (Param("alpha", float, 0.5, "decay per sample", 0.0), Param("n", int, 8, "number of taps", 1))))


# --- volumes (issue 9): 3-D kernels, shape (D, H, W) ---


def _gaussian3d(sigma: float, size: int | None = None) -> np.ndarray:
    g = gaussian_1d(sigma, size)
    return g[:, None, None] * g[None, :, None] * g[None, None, :]


register(Builtin("gaussian3d", "normalised 3-D Gaussian (separable: three 1-D passes); smooths volumes "
                 "and video in space and time", _gaussian3d,
                 (Param("sigma", float, 1.0, "standard deviation in samples", 0.0, True),
                  Param("size", int, None, "side length (default 2*ceil(3*sigma)+1)", 1))))
register(Builtin("box3d", "normalised NxNxN mean (separable)", lambda size: np.full((size,) * 3, 1.0 / size**3),
                 (Param("size", int, 3, "side length", 1),)))



def _gabor(**values) -> np.ndarray:
    from convcli.gabor import gabor_kernel

    return gabor_kernel(**{k: v for k, v in values.items() if v is not None})


register(Builtin(
    "gabor", "Gabor simple cell alpha*exp(-beta_x x'^2 - beta_y y'^2)*cos(f x' + phi), x right, y down; "
    "a correlation kernel (use --mode corr in filter)", _gabor,
    (Param("theta", float, None, "orientation in degrees (default 0)"),
     Param("frequency", float, None, "cycles per pixel (default 0.1)", 0.0),
     Param("sigma", float, None, "envelope sigma in pixels (default 0.5622/frequency)", 0.0, True),
     Param("gamma", float, None, "aspect ratio: beta_y = gamma^2/(2 sigma^2) (default 1)", 0.0, True),
     Param("phase", float, None, "phi in degrees (default 0)"),
     Param("size", int, None, "side length (default 2*ceil(3*max(sigma, sigma/gamma))+1)", 1),
     Param("alpha", float, None, "raw: amplitude (default 1)"),
     Param("beta_x", float, None, "raw: 1/(2 sigma^2)", 0.0, True),
     Param("beta_y", float, None, "raw: gamma^2/(2 sigma^2)", 0.0),
     Param("f", float, None, "raw: angular frequency, radians per pixel", 0.0),
     Param("phi", float, None, "raw: phase in radians"),
     Param("tau", float, None, "raw: orientation in radians"),
     Param("x0", float, None, "raw: centre column (default (size-1)/2)"),
     Param("y0", float, None, "raw: centre row (default (size-1)/2)"))))


def lookup(name: str) -> Builtin:
    """The built-in called ``name``; :class:`KernelSpecError` listing the names otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        names = ", ".join(b.name for b in builtins())
        raise KernelSpecError(f"unknown kernel {name!r}; built-in kernels are: {names}") from None
