"""Describing and saving kernels (what ``convcli kernels`` shows)."""

from __future__ import annotations

import numpy as np

from convcli.builtin_kernels import builtins
from convcli.errors import UsageError
from convcli.io.atomic import atomic_open
from convcli.kernelspec import is_separable


def list_builtins() -> list[dict]:
    """Every built-in kernel with its parameters (JSON-ready)."""
    return [
        {
            "name": b.name,
            "summary": b.summary,
            "params": [{"name": p.name, "type": p.kind.__name__, "default": p.default, "doc": p.doc}
                       for p in b.params],
        }
        for b in builtins()
    ]


def describe_kernel(kernel: np.ndarray, spec: str = "") -> dict:
    """Shape, values, sum, rank and separability of a kernel (JSON-ready)."""
    info = {
        "spec": spec,
        "shape": list(kernel.shape),
        "sum": float(kernel.sum()),
        "min": float(kernel.min()),
        "max": float(kernel.max()),
        "values": kernel.tolist(),
    }
    if kernel.ndim == 2:
        s = np.linalg.svd(kernel, compute_uv=False)
        info["rank"] = int((s > 1e-9 * max(s[0], 1e-300)).sum()) if s[0] > 0 else 0
    info["separable"] = bool(is_separable(kernel))
    return info


def save_kernel(path: str, kernel: np.ndarray) -> None:
    """Write a kernel as ``.npy``, ``.txt`` (rows of numbers, readable by ``@file.txt``) or ``.png``."""
    lower = path.lower()
    if lower.endswith(".npy"):
        with atomic_open(path) as fh:
            np.save(fh, kernel, allow_pickle=False)
    elif lower.endswith((".txt", ".csv")):
        rows = kernel.reshape(1, -1) if kernel.ndim == 1 else kernel
        if rows.ndim != 2:
            raise UsageError("only 1-D and 2-D kernels can be saved as text; use .npy")
        sep = "," if lower.endswith(".csv") else " "
        text = "\n".join(sep.join(repr(float(v)) for v in row) for row in rows) + "\n"
        with atomic_open(path) as fh:
            fh.write(text.encode())
    elif lower.endswith(".png"):
        from convcli.io.images import write_image

        img = kernel.reshape(1, -1) if kernel.ndim == 1 else kernel
        if img.ndim != 2:
            raise UsageError("only 1-D and 2-D kernels can be saved as PNG; use .npy")
        write_image(path, img, output_range="rescale", full_scale=None)
    else:
        raise UsageError(f"save the kernel as .npy, .txt, .csv or .png; got {path!r}")
