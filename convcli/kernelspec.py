"""Parsing kernel SPEC strings: built-in names, inline values, text and ``.npy`` files.

Grammar (see SPEC "Kernel SPEC")::

    NAME[:VALUE,...|:KEY=VALUE,...]   gaussian:sigma=2, box:5, exp-decay:alpha=0.5,n=8
    W:v,...                           1-D, W values
    WxH:v,...                         2-D, H rows of W values, row-major
    WxHxD:v,...                       3-D, shape (D, H, W)
    @file.txt                         rows of whitespace- or comma-separated numbers ('#' comments)
    file.npy                          a 1-D to 4-D array (no pickles)
"""

from __future__ import annotations

import math
import re

import numpy as np

from convcli.builtin_kernels import Builtin, lookup
from convcli.errors import KernelSpecError

_INLINE = re.compile(r"^\s*(\d+)(?:\s*x\s*(\d+))?(?:\s*x\s*(\d+))?\s*:(.*)$", re.IGNORECASE | re.DOTALL)
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$", re.IGNORECASE)
_MAX_TAPS = 1 << 24


def parse_kernel(spec: str) -> np.ndarray:
    """Turn a kernel SPEC into a float64 array.

    Parameters
    ----------
    spec : str
        See the module docstring.

    Returns
    -------
    numpy.ndarray
        1-D ``(W,)``, 2-D ``(H, W)``, 3-D ``(D, H, W)`` or, from ``.npy``, up to 4-D.

    Raises
    ------
    KernelSpecError
        The SPEC is malformed; the message says what was expected.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise KernelSpecError("empty kernel SPEC; expected a name (e.g. gaussian:sigma=2), WxH:values, "
                              "@file.txt or file.npy")
    spec = spec.strip()
    if spec.startswith("@"):
        kernel = _from_text_file(spec[1:])
    elif spec.lower().endswith(".npy"):
        kernel = _from_npy(spec)
    elif _INLINE.match(spec):
        kernel = _from_inline(spec)
    else:
        kernel = _from_builtin(spec)
    if kernel.size == 0:
        raise KernelSpecError(f"kernel {spec!r} is empty")
    if not np.isfinite(kernel).all():
        raise KernelSpecError(f"kernel {spec!r} has NaN or Inf values")
    return kernel


def _number(text: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise KernelSpecError(f"{text.strip()!r} is not a number in kernel {spec!r}") from None
    if not math.isfinite(value):
        raise KernelSpecError(f"kernel {spec!r} has a non-finite value {text.strip()!r}")
    return value


def _from_inline(spec: str) -> np.ndarray:
    m = _INLINE.match(spec)
    assert m is not None
    dims = [int(d) for d in m.groups()[:3] if d is not None]
    if any(d == 0 for d in dims):
        raise KernelSpecError(f"kernel sizes must be positive in {spec!r}")
    if math.prod(dims) > _MAX_TAPS:
        raise KernelSpecError(f"kernel {spec!r} is too large")
    body = m.group(4).strip()
    texts = [t for t in re.split(r"[,\s]+", body) if t]
    values = [_number(t, spec) for t in texts]
    expected = math.prod(dims)
    shape_text = "x".join(map(str, dims))
    if len(values) != expected:
        raise KernelSpecError(f"kernel {shape_text} needs {expected} values, got {len(values)} in {spec!r}")
    return np.array(values, dtype=np.float64).reshape(tuple(reversed(dims)))


def _from_builtin(spec: str) -> np.ndarray:
    name, colon, rest = spec.partition(":")
    name = name.strip().lower()
    if colon and not rest.strip():
        raise KernelSpecError(f"expected parameters after ':' in {spec!r} (e.g. box:5 or gaussian:sigma=2)")
    if not _NAME.match(name):
        raise KernelSpecError(
            f"cannot read kernel {spec!r}; expected a built-in name (see `convcli kernels`), "
            "WxH:v,v,... inline values, @file.txt or file.npy"
        )
    builtin = lookup(name)
    return builtin.build(parse_params(builtin, rest, spec))


def parse_params(builtin: Builtin, text: str, spec: str) -> dict[str, float | int]:
    """Parse ``KEY=VALUE,...`` (or positional values, in parameter order) for ``builtin``."""
    by_name = {p.name: p for p in builtin.params}
    values: dict[str, float | int] = {}
    items = [t.strip() for t in text.split(",")] if text.strip() else []
    for pos, item in enumerate(items):
        if not item:
            raise KernelSpecError(f"empty parameter in kernel {spec!r}")
        if "=" in item:
            key, _, raw = item.partition("=")
            key = key.strip().lower().replace("-", "_")
            if key not in by_name:
                known = ", ".join(by_name) or "none"
                raise KernelSpecError(f"kernel {builtin.name!r} has no parameter {key!r} (parameters: {known})")
        else:
            if pos >= len(builtin.params):
                raise KernelSpecError(f"kernel {builtin.name!r} takes at most {len(builtin.params)} "
                                      f"parameter(s); got {len(items)} in {spec!r}")
            key, raw = builtin.params[pos].name, item
        if key in values:
            raise KernelSpecError(f"parameter {key!r} given twice in {spec!r}")
        values[key] = _convert(by_name[key], raw.strip(), spec)
    return values


def _convert(param, raw: str, spec: str) -> float | int:
    value = _number(raw, spec)
    if param.kind is int:
        if value != int(value):
            raise KernelSpecError(f"{param.name} must be a whole number in {spec!r}; got {raw!r}")
        value = int(value)
    if param.minimum is not None:
        bad = value <= param.minimum if param.positive else value < param.minimum
        if bad:
            relation = "greater than" if param.positive else "at least"
            raise KernelSpecError(f"{param.name} must be {relation} {param.minimum:g} in {spec!r}; got {raw}")
    if param.kind is int and value > _MAX_TAPS:
        raise KernelSpecError(f"{param.name}={raw} is too large in {spec!r}")
    return value


def _from_text_file(path: str) -> np.ndarray:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read(16 << 20)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # ValueError: a NUL in the name
        raise KernelSpecError(f"cannot read kernel file: {getattr(exc, 'strerror', None) or exc}",
                              path) from None
    rows = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            rows.append([_number(t, "@" + path) for t in re.split(r"[,\s]+", line) if t])
    if not rows:
        raise KernelSpecError("kernel file has no numbers", path)
    if len({len(r) for r in rows}) != 1:
        raise KernelSpecError("kernel file rows have different lengths", path)
    arr = np.array(rows, dtype=np.float64)
    return arr[0] if arr.shape[0] == 1 else arr


def _from_npy(path: str) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise KernelSpecError(f"cannot read kernel file: {exc}", path) from None
    except OSError as exc:
        raise KernelSpecError(f"cannot read kernel file: {exc.strerror or exc}", path) from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
        raise KernelSpecError("kernel file must hold a real numeric array", path)
    if not 1 <= arr.ndim <= 4:
        raise KernelSpecError(f"kernel arrays are 1-D to 4-D; this one is {arr.ndim}-D {arr.shape}", path)
    return np.asarray(arr, dtype=np.float64)


def is_separable(kernel: np.ndarray, rtol: float = 1e-9) -> bool:
    """True when a 2-D kernel is rank 1 (an outer product of a column and a row)."""
    if kernel.ndim == 3:  # volumes (issue 9): the outer product of three 1-D profiles
        from convcli.volume import separable_factors

        return separable_factors(kernel) is not None
    if kernel.ndim != 2:
        return kernel.ndim == 1
    s = np.linalg.svd(kernel, compute_uv=False)
    return bool(s[0] == 0 or (s[1:] <= rtol * s[0]).all())
