"""convcli.stft vs scipy.signal.stft: 10 minutes of 44.1 kHz mono, n_fft 1024, hop 256
(run: python -m benchmarks.bench_stft).

Both compute the same frames (hann, zero-padded centred frames); SciPy's default is float64 and
scales by 1/sum(window), convcli's default is float32 without scaling, so both precisions are timed.
Ratios are convcli time / SciPy time (below 1: convcli is faster), medians of interleaved runs.
"""

from __future__ import annotations

import argparse
import datetime

import numpy as np
import scipy.signal

from benchmarks.common import interleaved_medians, machine
from convcli import istft, stft


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=44100)
    parser.add_argument("--n-fft", type=int, default=1024)
    parser.add_argument("--hop", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n = int(args.minutes * 60 * args.rate)
    x64 = np.random.default_rng(0).uniform(-1, 1, n)
    x32 = x64.astype(np.float32)
    nf, hop = args.n_fft, args.hop
    overlap = nf - hop
    # check that they agree before timing
    probe = x64[: 50 * nf]
    _, _, z = scipy.signal.stft(probe, window="hann", nperseg=nf, noverlap=overlap)
    ours = stft(probe, n_fft=nf, hop=hop, dtype=np.float64)
    assert np.allclose(ours, z[:, : ours.shape[1]] * scipy.signal.get_window("hann", nf).sum(), atol=1e-8)
    funcs = {
        "convcli32": lambda: stft(x32, n_fft=nf, hop=hop),
        "convcli64": lambda: stft(x64, n_fft=nf, hop=hop, dtype=np.float64),
        "scipy64": lambda: scipy.signal.stft(x64, window="hann", nperseg=nf, noverlap=overlap),
        "scipy32": lambda: scipy.signal.stft(x32, window="hann", nperseg=nf, noverlap=overlap),
    }
    t = interleaved_medians(funcs, repeats=args.repeats)
    S = stft(x32, n_fft=nf, hop=hop)
    inv = interleaved_medians({
        "convcli": lambda: istft(S, hop=hop, length=n),
        "scipy": lambda: scipy.signal.istft(S, window="hann", nperseg=nf, noverlap=overlap),
    }, repeats=max(1, args.repeats // 2))
    print(f"# STFT of {args.minutes:g} min at {args.rate} Hz mono ({n:,} samples), n_fft {nf}, hop {hop}; "
          f"{machine()}; {datetime.date.today().isoformat()}")
    print("| what | convcli s | SciPy s | convcli/SciPy time |")
    print("|---|---|---|---|")
    print(f"| stft float32 (complex64) vs scipy float32 | {t['convcli32']:.3f} | {t['scipy32']:.3f} | "
          f"{t['convcli32'] / t['scipy32']:.2f} |")
    print(f"| stft float64 (complex128) vs scipy float64 | {t['convcli64']:.3f} | {t['scipy64']:.3f} | "
          f"{t['convcli64'] / t['scipy64']:.2f} |")
    print(f"| stft float32 vs scipy default (float64) | {t['convcli32']:.3f} | {t['scipy64']:.3f} | "
          f"{t['convcli32'] / t['scipy64']:.2f} |")
    print(f"| istft (complex64 in) | {inv['convcli']:.3f} | {inv['scipy']:.3f} | "
          f"{inv['convcli'] / inv['scipy']:.2f} |")


if __name__ == "__main__":
    main()
