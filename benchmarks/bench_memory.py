"""Peak memory of ``convcli filter`` on one large 8-bit PNG with a 3x3 kernel.

The bound (issue 10): the peak resident set (``resource`` ru_maxrss of the process running the
command) stays within 1.5x the float32 working set, input + output = 2 * H * W * 4 bytes.
Run: ``python -m benchmarks.bench_memory [SIZE]`` (default 12000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs in a fresh process: the whole CLI (read, filter, write), then reports its own peak RSS.
CHILD = r"""
import json, resource, sys, time
t = time.perf_counter()
from convcli.cli import app
code = app(sys.argv[1:], standalone_mode=False)
print(json.dumps({"code": code, "seconds": time.perf_counter() - t,
                  "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}), file=sys.stderr)
"""

# The interpreter with convcli's modules loaded and the kernel warm: the fixed cost in the peak.
# the interpreter and the modules the run uses, the Numba kernels included (a small image through
# the same kernels: without that, the baseline depended on whether anything had loaded Numba)
BASELINE = r"""
import json, resource, sys
import numpy as np
from convcli import convolve, smalldirect
from convcli.io.images import read_image, write_image
import PIL.Image, PIL.PngImagePlugin
smalldirect.SMALL_WORK = -1
convolve(np.zeros((64, 64), np.uint8), np.ones((3, 3)))
print(json.dumps({"maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}), file=sys.stderr)
"""


# Makes the test image in its own process: Linux carries a parent's peak RSS into a child's
# ru_maxrss (fork, then exec), so the measuring parent must stay small.
MAKE = r"""
import sys
import numpy as np
from PIL import Image
path, size = sys.argv[1], int(sys.argv[2])
rows = np.arange(size, dtype=np.uint32)
img = ((rows[:, None] // 37 + rows[None, :] // 41) % 256).astype(np.uint8)
img ^= np.random.default_rng(0).integers(0, 4, (size, size), dtype=np.uint8)
Image.fromarray(img).save(path, compress_level=1)
print("{}", file=sys.stderr)
"""


def _child(code: str, *args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, env=env, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return json.loads(done.stderr.strip().splitlines()[-1])


def measure(size: int, kernel: str = "3x3:1,2,1,2,4,2,1,2,1", workdir: str | None = None) -> dict:
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        src = os.path.join(tmp, "big.png")
        t = time.perf_counter()
        _child(MAKE, src, str(size))
        made = time.perf_counter() - t
        out = os.path.join(tmp, "out.png")
        base = _child(BASELINE)
        run = _child(CHILD, "filter", src, "-k", kernel, "-o", out)
        if run["code"] not in (0, None):
            raise RuntimeError(f"convcli exited with {run['code']}")
        working = 2 * size * size * 4
        return {
            "size": size,
            "png_bytes": os.path.getsize(src),
            "working_set": working,
            "peak": run["maxrss"],
            "baseline": base["maxrss"],
            "ratio": run["maxrss"] / working,
            "ratio_above_baseline": (run["maxrss"] - base["maxrss"]) / working,
            "seconds": run["seconds"],
            "make_seconds": made,
        }


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
    r = measure(size)
    mib = 1 << 20
    print(f"{size}x{size} 8-bit PNG ({r['png_bytes'] / mib:.0f} MiB), 3x3 kernel, convcli filter -o out.png")
    print("| float32 working set (in + out) | peak RSS | peak / working set | interpreter + modules "
          "| (peak - that) / working set | time |")
    print("|---|---|---|---|---|---|")
    print(f"| {r['working_set'] / mib:.0f} MiB | {r['peak'] / mib:.0f} MiB | {r['ratio']:.2f} "
          f"| {r['baseline'] / mib:.0f} MiB | {r['ratio_above_baseline']:.2f} | {r['seconds']:.1f} s |")
    print("bound: peak / working set <= 1.5:", "met" if r["ratio"] <= 1.5 else "NOT met")


if __name__ == "__main__":
    main()
