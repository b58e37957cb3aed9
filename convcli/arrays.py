"""Validation of array arguments shared by the public API."""

from __future__ import annotations

import math

import numpy as np

from convcli.errors import DataError, UsageError

NAN_POLICIES = ("error", "zero", "propagate")


def as_float_array(x, name: str, dtype=np.float32) -> np.ndarray:
    """``x`` as a NumPy float array of ``dtype`` (a copy only when needed); never modifies ``x``."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise DataError(f"{name} is not an array: {exc}") from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise DataError(f"{name} must be numeric (real); got dtype {arr.dtype}")
    if arr.size == 0:
        raise DataError(f"{name} is empty (shape {arr.shape})")
    with np.errstate(over="ignore"):  # values beyond dtype's range become +-Inf, which the NaN/Inf check reports
        return np.asarray(arr, dtype=dtype)


def check_finite(arr: np.ndarray, name: str, policy: str = "error") -> np.ndarray:
    """Apply the NaN/Inf policy: ``error`` raises, ``zero`` replaces with 0 (a copy), ``propagate`` passes."""
    check_nan_policy(policy)
    if policy == "propagate" or arr.dtype.kind not in "fc":
        return arr
    if _all_finite(arr):
        return arr
    finite = np.isfinite(arr)
    if policy == "error":
        bad = arr.size - int(finite.sum())
        raise DataError(f"{name} has {bad} NaN or Inf value(s); use nan='zero' (--nan zero) to replace them")
    return np.where(finite, arr, 0).astype(arr.dtype, copy=False)


def check_nan_policy(policy: str) -> None:
    """A UsageError unless ``policy`` is one of ``error``, ``zero``, ``propagate``."""
    if policy not in NAN_POLICIES:
        raise UsageError(f"nan must be one of {', '.join(NAN_POLICIES)}; got {policy!r}")


def _all_finite(arr: np.ndarray, chunk: int = 1 << 18) -> bool:
    # in cache-sized pieces: no full-size boolean temporary (memory), and faster for large arrays
    if not arr.flags.c_contiguous or arr.size <= chunk:
        return bool(np.isfinite(arr).all())
    flat = arr.reshape(-1)
    return all(np.isfinite(flat[i : i + chunk]).all() for i in range(0, flat.size, chunk))


_FLOAT32 = np.dtype(np.float32)


def resolve_dtype(dtype) -> np.dtype:
    """float32 (default) or float64."""
    if dtype is None:
        return _FLOAT32
    dt = np.dtype(np.float32 if dtype is None else dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise UsageError(f"dtype must be float32 or float64; got {dt}")
    return dt


def empty_apart(shape: tuple[int, ...], dtype, like: np.ndarray) -> np.ndarray:
    """An uninitialised C-ordered array whose address is half a page away from ``like``'s (mod 4 KiB).

    Large NumPy arrays all start at the same offset within a 4 KiB page, and a 2048-wide float32
    image's rows are a multiple of 4 KiB apart, so a kernel's stores to the output row and its loads
    from the input rows then share their low 12 address bits: the CPU's store-to-load check takes
    them for the same address and stalls (4K aliasing). With its row buffers half a page from the
    input, the separable kernel ran 23-32 % faster (one and two threads); the direct kernel's
    output 5-10 % for 5x5 and 7x7, an offset of one cache line 15-25 % slower (2048x2048,
    2026-11-28, issue 7). The array is a view of a buffer 4 KiB larger. Finding the two addresses
    costs ~9-11 us right after a large kernel (the whole call 14-18 us against 3-5 for ``np.empty``;
    ~40 us when first measured), so it is used where the gain is larger than that.
    """
    dt = np.dtype(dtype)
    n = math.prod(shape)
    if n * dt.itemsize < 1 << 16:  # small arrays: not worth it
        return np.empty(shape, dt)
    pad = 4096 // dt.itemsize
    buf = np.empty(n + pad, dt)
    start = (_apart(like) - _address(buf)) % 4096 // dt.itemsize
    return buf[start : start + n].reshape(shape)


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def _apart(like: np.ndarray) -> int:
    """Where, mod 4 KiB, an array half a page from ``like`` starts."""
    return (_address(like) + 2048) % 4096


_HUGE = 2 << 20  # a transparent huge page (x86-64)
_HUGE_FROM = 4 << 20  # NumPy asks the kernel for huge pages from this size up


def empty_output(shape: tuple[int, ...], dtype, like: np.ndarray) -> np.ndarray:
    """An uninitialised C-ordered result array; from 4 MiB up, placed so that the operating system
    backs it with huge pages from its first page to its last, and half a page from ``like`` (mod
    4 KiB, see :func:`empty_apart`).

    NumPy asks for huge pages for arrays of 4 MiB or more, but a fresh ``malloc`` block starts 16
    bytes into an ordinary page, so the part before its first 2 MiB boundary (up to 2 MiB) is
    faulted in 4 KiB at a time: ~512 faults, 2-3 us each on this VM, every call for results of
    32 MiB or more (the C library maps those afresh each time). The array is a view of a buffer
    4 MiB larger whose unused ends are never touched (no memory). ``convolve`` at float32
    4096x4096, interleaved: 3x3 8.2-8.3 -> 7.2-7.4 ms, 7x7 18.6 -> 16.4 ms (2026-11-28, issue 7).
    """
    dt = np.dtype(dtype)
    n = math.prod(shape)
    if n * dt.itemsize < _HUGE_FROM:
        return np.empty(shape, dt)
    buf = np.empty(n + (2 * _HUGE + 4096) // dt.itemsize, dt)
    base = _address(buf)
    # start in the 4 KiB before a 2 MiB boundary, half a page from ``like`` (mod 4 KiB): the head is
    # one small page, the rest whole huge pages
    edge = -(-(base + 4096) // _HUGE) * _HUGE
    first = (edge - 4096 + _apart(like) // dt.itemsize * dt.itemsize - base) // dt.itemsize
    return buf[first : first + n].reshape(shape)
