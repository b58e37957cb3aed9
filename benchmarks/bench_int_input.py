"""Integer (uint8/uint16) images through the direct kernel: python -m benchmarks.bench_int_input.

Compares, in one process (medians of interleaved runs), for each size and kernel:

- ``convert``: ``x.astype(float32)`` alone (what the float path pays first);
- ``float path``: ``convolve(x.astype(float32), k)`` (convert the whole image, then the float kernel);
- ``convolve(int)``: ``convolve(x, k)`` on the integer array as it is (the integer path when it exists);
- ``float input``: ``convolve(xf, k)`` on an array that is already float32 (the kernel plus allocation);
- ``kernels``: the integer kernel's time / the float kernel's, both into a preallocated output
  (no allocation, no conversion outside the kernels).

The first three are interleaved in two orders and the medians of both kept (the order changes
which allocation finds its pages already mapped).
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks.common import interleaved_medians, machine
from convcli import convolve


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2048,4096")
    parser.add_argument("--kernels", default="3,5")
    parser.add_argument("--dtype", default="uint8", choices=("uint8", "uint16"))
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=0, help="Numba threads (0: the default)")
    args = parser.parse_args()
    if args.threads:
        import numba

        numba.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    top = np.iinfo(np.dtype(args.dtype)).max
    print(machine(), args.dtype)
    print(f"{'size':>6} {'k':>3} {'convert ms':>10} {'float path ms':>13} {'convolve(int) ms':>16} "
          f"{'float input ms':>14} {'int/float path':>14} {'int/float input':>15} {'kernels':>7}")
    for n in (int(s) for s in args.sizes.split(",")):
        x = rng.integers(0, top + 1, (n, n)).astype(args.dtype)
        xf = x.astype(np.float32)
        for kn in (int(s) for s in args.kernels.split(",")):
            t = _times(x, xf, rng.random((kn, kn)), args.repeats)
            print(f"{n:>6} {kn:>3} {t['convert'] * 1e3:>10.2f} {t['float path'] * 1e3:>13.2f} "
                  f"{t['int'] * 1e3:>16.2f} {t['float input'] * 1e3:>14.2f} "
                  f"{t['int'] / t['float path']:>14.2f} {t['int'] / t['float input']:>15.2f} "
                  f"{t['int kernel'] / t['float kernel']:>7.2f}")


def _times(x: np.ndarray, xf: np.ndarray, k: np.ndarray, repeats: int) -> dict:
    np.testing.assert_array_equal(convolve(x, k, method="direct"),
                                  convolve(x.astype(np.float32), k, method="direct", nan="propagate"))
    funcs = {
        "float path": lambda: convolve(x.astype(np.float32), k, method="direct", nan="propagate"),
        "int": lambda: convolve(x, k, method="direct"),
        "float input": lambda: convolve(xf, k, method="direct", nan="propagate"),
    }
    first = interleaved_medians(funcs, repeats=repeats)
    second = interleaved_medians(dict(reversed(funcs.items())), repeats=repeats)
    times = {name: float(np.median([first[name], second[name]])) for name in funcs}
    times.update(_kernels(x, xf, k, repeats))
    # timed apart: a conversion whose result is freed at once leaves the allocator in another state
    times.update(interleaved_medians({"convert": lambda: x.astype(np.float32)}, repeats=repeats))
    return times


def _kernels(x: np.ndarray, xf: np.ndarray, k: np.ndarray, repeats: int) -> dict:
    from convcli.conventions import axes_for
    from convcli.convolve import _direct2d
    from convcli.intdirect import correlate2d_integer

    c = np.ascontiguousarray(np.flip(k), dtype=np.float32)
    ay, ax = axes_for(x.shape, c.shape, (1, 1), (1, 1), "same")
    out = np.empty(x.shape, np.float32)
    args = ((ay.offset, ax.offset), (1, 1), (1, 1), 1)
    t = interleaved_medians({
        "float kernel": lambda: _direct2d(xf, c, out, *args),
        "int kernel": lambda: correlate2d_integer(x, c, out, *args),
    }, repeats=repeats)
    return t


if __name__ == "__main__":
    main()
