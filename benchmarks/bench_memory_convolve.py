"""Peak RSS of an 8192x8192 float32 ``same`` convolution vs input + output: python -m benchmarks.bench_memory_convolve.

Target: peak RSS <= 1.3 x (input + output). The process's own baseline (Python, NumPy, Numba) is
included in the peak, as a user would see it. ``--stages`` prints ``/proc/self/status`` (resident
memory: anonymous, file-backed, peak) after each import and after loading the cached kernel, to see
where the baseline comes from; ``--dtype uint8`` measures an 8-bit image (input 1 byte per sample).
"""

from __future__ import annotations

import argparse
import resource
import sys

import numpy as np

FIELDS = ("VmRSS", "RssAnon", "RssFile", "VmHWM")


def status() -> dict[str, int]:
    """Resident-memory fields of ``/proc/self/status`` in KiB (empty where there is no /proc)."""
    found = {}
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                name, _, value = line.partition(":")
                if name in FIELDS:
                    found[name] = int(value.split()[0])
    except OSError:
        pass
    return found


def show(stage: str) -> None:
    s = status()
    print(f"{stage:<34} " + "  ".join(f"{f} {s.get(f, 0) / 1024:6.0f} MiB" for f in FIELDS), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=8192)
    parser.add_argument("--kernel", type=int, default=3)
    parser.add_argument("--method", default="auto")
    parser.add_argument("--dtype", default="float32", choices=("float32", "uint8", "uint16"))
    parser.add_argument("--stages", action="store_true", help="print resident memory after each stage")
    args = parser.parse_args()
    stages = show if args.stages else (lambda stage: None)
    stages("python + numpy")
    from convcli import convolve

    stages("import convcli")
    k = np.random.default_rng(1).random((args.kernel, args.kernel))
    if args.stages:
        import importlib

        importlib.import_module("convcli.kernels")  # first, as a kernel call would (convcli._numba_lean)
        import numba  # noqa: F401

        stages("import numba")
    convolve(np.ones((64, 4096), args.dtype), k, method=args.method)  # load the kernels first (NumPy path)
    stages("first convolve (small, NumPy)")
    convolve(np.ones((512, 4096), args.dtype), k, method=args.method)
    stages("Numba kernel loaded and run")
    x = np.empty((args.size, args.size), dtype=args.dtype)
    x[...] = 1
    stages("input allocated")
    y = convolve(x, k, method=args.method)
    stages("after the convolution")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    data = x.nbytes + y.nbytes
    print(f"{args.size}x{args.size} {args.dtype}, {args.kernel}x{args.kernel} {args.method}: peak RSS "
          f"{peak / 2**20:.0f} MiB, input + output {data / 2**20:.0f} MiB, ratio {peak / data:.3f} (target <= 1.3)"
          + (f"; threading layer {_layer()}" if args.stages else ""))


def _layer() -> str:
    import numba

    return numba.threading_layer() if "numba" in sys.modules else "-"


if __name__ == "__main__":
    main()
