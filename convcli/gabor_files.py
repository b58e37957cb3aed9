"""Running a Gabor bank over image files: per-filter images, montages, texture features, kernels."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from dataclasses import dataclass

import numpy as np

from convcli.errors import DataError, UsageError
from convcli.gabor import GaborBank, gabor_filter
from convcli.io.atomic import atomic_open, check_target
from convcli.io.images import DEFAULT_MAX_PIXELS, read_image, write_image
from convcli.montage import montage, to_tile, write_png

RESPONSES = ("energy", "even", "odd", "all")


@dataclass(frozen=True)
class GaborFileOptions:
    """Everything ``convcli gabor`` passes down for one file (picklable for worker processes)."""

    bank: GaborBank
    boundary: str = "reflect"
    gray: bool = False
    zero_mean: bool = False
    response: str = "energy"
    max_orientation: bool = False
    montage: str | None = None
    tile: int = 160
    output_range: str = "rescale"
    depth: str = "8"
    fmt: str | None = None
    force: bool = False
    normalize: bool = False
    nan: str = "error"
    dtype: str = "float32"
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    allow_truncated: bool = False


def montage_path(template: str, src: str, many: bool) -> str:
    """The montage file of one input: ``template`` itself, or ``NAME_STEM.png`` for many inputs."""
    if not many:
        return template
    root, ext = os.path.splitext(template)
    stem = "stdin" if src == "-" else os.path.splitext(os.path.basename(src))[0]
    return f"{root}_{stem}{ext or '.png'}"


def planned_outputs(dst: str | None, bank: GaborBank, response: str, max_orientation: bool) -> list[str]:
    """The per-filter files written for an input whose ``--out-dir`` base name is ``dst``."""
    if dst is None:
        return []
    root, ext = os.path.splitext(dst)
    kinds = ("even", "odd", "energy") if response == "all" else (response,)
    out = [f"{root}_{label}_{kind}{ext}" for label in bank.labels() for kind in kinds]
    if max_orientation:
        for fr in dict.fromkeys(bank.frequencies.tolist()):
            out += [f"{root}_max_freq{fr:g}{ext}", f"{root}_argmax_freq{fr:g}{ext}"]
    return out


def gabor_file(job, opts: GaborFileOptions, *, many: bool = False) -> dict:
    """Read ``job.src``, filter it with the bank and write what ``opts`` asks; return a report."""
    bank = opts.bank
    outputs = planned_outputs(job.dst, bank, opts.response, opts.max_orientation)
    mpath = montage_path(opts.montage, job.src, many) if opts.montage else None
    for path in outputs + ([mpath] if mpath else []):
        check_target(path, force=opts.force, inputs=(job.src,))
    t0 = time.perf_counter()
    data = read_image(job.src, max_pixels=opts.max_pixels, allow_truncated=opts.allow_truncated)
    x = data.pixels
    full_scale = data.full_scale
    if opts.normalize and data.full_scale:
        x = x.astype(np.float64) / data.full_scale
        full_scale = 1.0
    t1 = time.perf_counter()
    keep = () if opts.response == "energy" else ("even", "odd")
    res = gabor_filter(x, bank, boundary=opts.boundary, gray=opts.gray, zero_mean=opts.zero_mean, keep=keep,
                       dtype=np.dtype(opts.dtype), nan=opts.nan)
    t2 = time.perf_counter()
    alpha = data.alpha
    write = dict(alpha=alpha, alpha_scale=data.full_scale, depth=opts.depth, fmt=opts.fmt)
    it = iter(outputs)
    kinds = ("even", "odd", "energy") if opts.response == "all" else (opts.response,)
    for i in range(len(bank) if outputs else 0):
        for kind in kinds:
            write_image(next(it), getattr(res, kind)[i], output_range=opts.output_range, full_scale=full_scale,
                        **write)
    if opts.max_orientation and outputs:
        best, arg = res.max_over_orientations()
        for fi in range(best.shape[0]):
            write_image(next(it), best[fi], output_range=opts.output_range, full_scale=full_scale, **write)
            # the angle image: 0..180 degrees -> 0..full white (raw degrees for float output)
            write_image(next(it), arg[fi], output_range="clip", full_scale=180.0, **write)
    if mpath:
        tiles = [to_tile(_tile_view(res.energy[i])) for i in range(len(bank))]
        labels = [f"t={t:g} f={f:g}" for t, f in zip(bank.thetas, bank.frequencies, strict=True)]
        write_png(mpath, montage(tiles, labels, bank.n_orientations, tile=opts.tile))
    t3 = time.perf_counter()
    feats = res.features()
    return {
        "input": job.src,
        "input_shape": list(data.pixels.shape),
        "channels": 1 if res.energy.ndim == 3 else int(res.energy.shape[3]),
        "filters": len(bank),
        "outputs": outputs,
        "montage": mpath,
        "features": [
            {"theta": float(t), "frequency": float(f), "sigma": float(s), "mean": _plain(m), "std": _plain(d)}
            for t, f, s, m, d in zip(bank.thetas, bank.frequencies, bank.sigmas, feats["mean"], feats["std"],
                                     strict=True)
        ],
        "seconds": {"read": round(t1 - t0, 6), "filter": round(t2 - t1, 6), "write": round(t3 - t2, 6)},
    }


def _tile_view(energy: np.ndarray) -> np.ndarray:
    if energy.ndim == 3 and energy.shape[2] not in (1, 3):
        return energy.mean(axis=2)
    return energy[:, :, 0] if energy.ndim == 3 and energy.shape[2] == 1 else energy


def _plain(v):
    arr = np.asarray(v)
    return float(arr) if arr.ndim == 0 else [float(a) for a in arr]


def kernels_montage(bank: GaborBank, *, tile: int = 96) -> np.ndarray:
    """Even and odd kernels of a bank: for each frequency a row of even and a row of odd kernels."""
    ev, od = bank.kernels("even"), bank.kernels("odd")
    n_o = bank.n_orientations
    tiles, labels = [], []
    for start in range(0, len(bank), n_o):
        for kind, ks in (("even", ev), ("odd", od)):
            for i in range(start, start + n_o):
                tiles.append(to_tile(ks[i], signed=True))
                labels.append(f"{kind} t={bank.thetas[i]:g} f={bank.frequencies[i]:g}")
    return montage(tiles, labels, n_o, tile=tile, nearest=True)


def save_kernels(path: str, bank: GaborBank) -> None:
    """``.npy``: ``(n_filters, 2, K, K)`` (even, odd), zero-padded to the largest size; ``.png``: the montage."""
    lower = path.lower()
    if lower.endswith(".npy"):
        with atomic_open(path) as fh:
            np.save(fh, np.stack([bank.kernels("even"), bank.kernels("odd")], axis=1), allow_pickle=False)
    elif lower.endswith(".png"):
        write_png(path, kernels_montage(bank))
    else:
        raise UsageError(f"--save-kernels writes .npy or .png; got {path!r}")


def features_format(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".csv", ".json"):
        raise UsageError(f"--features writes .csv or .json; got {path!r}")
    return ext[1:]


def write_features(path: str, reports: list[dict], bank: GaborBank) -> None:
    """One row (CSV) or entry (JSON) per image: per filter (and channel) the mean and std of energy."""
    if features_format(path) == "json":
        doc = {
            "bank": {"thetas": bank.thetas.tolist(), "frequencies": bank.frequencies.tolist(),
                     "sigmas": bank.sigmas.tolist(), "gamma": bank.gamma, "phase": bank.phase},
            "images": [{"input": r["input"], "features": r["features"]} for r in reports],
        }
        payload = json.dumps(doc, indent=2, sort_keys=True).encode()
    else:
        found = {r["channels"] for r in reports}
        if len(found) > 1:
            raise DataError("the inputs mix gray and colour images, so CSV rows would differ; use --gray or .json")
        channels = found.pop() if found else 1
        header = ["input"]
        for label in bank.labels():
            for stat in ("mean", "std"):
                header += [f"{stat}_{label}"] if channels == 1 else [f"{stat}_{label}_c{c}" for c in range(channels)]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        for r in reports:
            row = [r["input"]]
            for feat in r["features"]:
                for stat in ("mean", "std"):
                    v = feat[stat]
                    row += [repr(x) for x in (v if isinstance(v, list) else [v])]
            writer.writerow(row)
        payload = buf.getvalue().encode()
    with atomic_open(path) as fh:
        fh.write(payload)
