"""Reading weight arrays (``.npy``) for locally connected and tiled layers."""

from __future__ import annotations

import numpy as np

from convcli.errors import InputError


def load_weights(path: str, *, ndim: int, what: str) -> np.ndarray:
    """Read a real ``ndim``-D array from ``.npy`` (no pickles) as float64.

    Raises
    ------
    InputError
        Missing, unreadable or malformed files, or an array of the wrong kind.
    """
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise InputError(f"cannot read {what}: {exc}", path) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror or exc}", path) from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "biuf":
        raise InputError(f"{what} must be a real numeric .npy array", path)
    if arr.ndim != ndim:
        raise InputError(f"{what} must be a {ndim}-D array; this one is {arr.ndim}-D {arr.shape}", path)
    if not np.isfinite(arr).all():
        raise InputError(f"{what} have NaN or Inf values", path)
    return np.asarray(arr, dtype=np.float64)
