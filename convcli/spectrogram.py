"""Spectrograms: dB scaling, mel filter banks, Griffin-Lim, and the file jobs behind
``convcli spectrogram``, ``convcli resynth`` and ``convcli filter spec.npz``.

Layout: a spectrogram array is ``(frequency, time)`` (``(F, T, C)`` for several channels), row 0
the DC bin; pictures put low frequencies at the bottom (rows flipped).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from convcli.arrays import resolve_dtype
from convcli.conventions import check_choice
from convcli.errors import DataError, InputError, OutputError, UsageError
from convcli.io.atomic import STDIO, check_target
from convcli.io.spectrogram_files import PngScale, StftSettings
from convcli.stft import WINDOWS, frame_count, istft, stft

SPECTROGRAM_FORMATS = ("png", "npz", "npy")


# --- numerics ---------------------------------------------------------------------------------


def magnitude_db(mag: np.ndarray, *, db_range: float = 80.0, ref: float | None = None) -> tuple[np.ndarray, float]:
    """``20 log10(mag / ref)`` clipped to ``-db_range .. 0`` (ref: the largest magnitude by default).

    Returns the dB array (float32) and the reference magnitude (1.0 for an all-zero input).
    """
    if not db_range > 0:
        raise UsageError(f"the dB range must be positive; got {db_range}")
    mag = np.abs(np.asarray(mag, dtype=np.float64))
    if ref is None:
        top = float(mag.max()) if mag.size else 0.0
        ref = top if top > 0 else 1.0
    floor = ref * 10.0 ** (-db_range / 20.0)
    db = 20.0 * np.log10(np.maximum(mag, floor) / ref)
    return np.clip(db, -db_range, 0.0).astype(np.float32), float(ref)


def db_to_magnitude(db: np.ndarray, ref: float) -> np.ndarray:
    """Inverse of :func:`magnitude_db` (within the dB range)."""
    return ref * 10.0 ** (np.asarray(db, dtype=np.float64) / 20.0)


def hz_to_mel(f):
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    lin = f / (200.0 / 3.0)
    log = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(f >= 1000.0, log, lin)


def mel_to_hz(m):
    """Inverse of :func:`hz_to_mel`."""
    m = np.asarray(m, dtype=np.float64)
    return np.where(m >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0)), m * (200.0 / 3.0))


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, *, fmin: float = 0.0,
                   fmax: float | None = None) -> np.ndarray:
    """Triangular mel filters ``(n_mels, n_fft//2 + 1)`` with Slaney area normalisation (librosa's default).

    Filter ``m`` rises from mel point ``m`` to ``m+1`` and falls to ``m+2`` of ``n_mels + 2``
    points evenly spaced on the mel scale between ``fmin`` and ``fmax`` (default: Nyquist).
    """
    if n_mels < 1:
        raise UsageError(f"the number of mel bands must be at least 1; got {n_mels}")
    fmax = sample_rate / 2.0 if fmax is None or fmax <= 0 else float(fmax)
    if not 0 <= fmin < fmax:
        raise UsageError(f"need 0 <= fmin < fmax; got fmin={fmin}, fmax={fmax}")
    freqs = np.linspace(0.0, sample_rate / 2.0, n_fft // 2 + 1)
    hz = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(hz)
    ramps = hz[:, None] - freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (hz[2:] - hz[:-2]))[:, None]
    return weights


def griffin_lim(mag, *, n_fft: int | None = None, hop: int = 256, window: str = "hann", center: bool = True,
                length: int | None = None, iterations: int = 32, momentum: float = 0.99, seed: int = 0,
                dtype=None) -> np.ndarray:
    """A signal whose STFT magnitude approximates ``mag``: fast Griffin-Lim (Perraudin et al. 2013).

    Parameters
    ----------
    mag : array_like
        Magnitudes ``(F, T)`` or ``(F, T, C)``, non-negative.
    n_fft, hop, window, center, length
        The STFT settings (as :func:`convcli.istft`).
    iterations : int
        Projections onto consistent spectrograms (0 gives the initial phase's inverse).
    momentum : float
        ``0`` is the original Griffin-Lim; ``0.99`` converges much faster.
    seed : int
        The initial phase is uniform random from this seed: the result is deterministic.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` or ``(N, C)`` samples.
    """
    if isinstance(iterations, bool) or int(iterations) != iterations or iterations < 0:
        raise UsageError(f"iterations must be a whole number >= 0; got {iterations!r}")
    if not 0.0 <= momentum < 1.0:
        raise UsageError(f"momentum must be in [0, 1); got {momentum}")
    dt = resolve_dtype(dtype)
    mag = np.abs(np.asarray(mag, dtype=np.float64))
    if mag.ndim not in (2, 3) or mag.size == 0:
        raise DataError(f"magnitudes must be a non-empty (F, T) or (F, T, C) array; got shape {mag.shape}")
    frames = mag.shape[1]
    if n_fft is None:
        n_fft = 2 * (mag.shape[0] - 1)
    if length is None or frame_count(int(length), n_fft, hop, center) != frames:
        length = hop * (frames - 1) if center else n_fft + hop * (frames - 1)
    kw = dict(n_fft=n_fft, hop=hop, window=window, center=center)
    rng = np.random.default_rng(seed)
    angles = np.exp(2j * np.pi * rng.random(mag.shape))
    rebuilt = np.zeros(mag.shape, dtype=np.complex128)
    alpha = momentum / (1.0 + momentum)
    for _ in range(int(iterations)):
        previous = rebuilt
        signal = istft(mag * angles, length=length, dtype=np.float64, **kw)
        rebuilt = stft(signal, dtype=np.float64, **kw)
        angles = rebuilt - alpha * previous
        angles /= np.abs(angles) + 1e-16
    return istft(mag * angles, length=length, dtype=dt, **kw)


def spectral_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two magnitude arrays of the same shape (a similarity score)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    return float(np.corrcoef(a, b)[0, 1])


# --- convcli spectrogram ----------------------------------------------------------------------


@dataclass(frozen=True)
class SpectrogramOptions:
    n_fft: int = 1024
    hop: int = 256
    window: str = "hann"
    center: bool = True
    db_range: float = 80.0
    mel: int = 0
    fmin: float = 0.0
    fmax: float = 0.0
    colormap: str | None = None
    legend: bool = True
    mono: bool = False
    force: bool = False
    fmt: str | None = None

    def check(self) -> None:
        """Validate before any file is opened."""
        from convcli.stft import _check_settings

        _check_settings(self.n_fft, self.hop, self.window)
        if not self.db_range > 0:
            raise UsageError(f"--db-range must be positive; got {self.db_range}")
        if self.mel < 0:
            raise UsageError(f"--mel must be a positive number of bands; got {self.mel}")
        if self.colormap is not None:
            from convcli.colormaps import COLORMAPS

            check_choice("--colormap", self.colormap, COLORMAPS)


def spectrogram_format(path: str, fmt: str | None) -> str:
    """``png``, ``npz`` or ``npy`` from ``fmt`` or the output's extension (UsageError otherwise)."""
    if fmt:
        f = fmt.lower().lstrip(".")
    elif path == STDIO:
        f = "png"
    else:
        f = os.path.splitext(path)[1].lower().lstrip(".")
    if f not in SPECTROGRAM_FORMATS:
        raise UsageError(f"a spectrogram is written as .png, .npz or .npy; got {path!r}"
                         + (f" (--format {fmt})" if fmt else ""))
    return f


def channel_paths(path: str, channels: int) -> list[str]:
    """``out.png`` for one channel; ``out_ch0.png``, ``out_ch1.png``, ... for several."""
    if channels == 1:
        return [path]
    if path == STDIO:
        raise OutputError(f"the audio has {channels} channels: one picture per channel cannot go to "
                          "standard output; use -o FILE or --mono", path)
    stem, ext = os.path.splitext(path)
    return [f"{stem}_ch{c}{ext}" for c in range(channels)]


def spectrogram_file(job, opts: SpectrogramOptions) -> dict:
    """Read ``job.src`` (audio), write its spectrogram(s) to ``job.dst``; return a report."""
    from convcli.io.audio import read_audio
    from convcli.io.spectrogram_files import write_spectrogram_npz

    fmt = spectrogram_format(job.dst, opts.fmt)
    t0 = time.perf_counter()
    audio = read_audio(job.src)
    x = audio.samples
    if opts.mono and x.ndim == 2:
        x = x.mean(axis=1, dtype=np.float64).astype(np.float32)
    channels = 1 if x.ndim == 1 else x.shape[1]
    outputs = [job.dst] if fmt == "npz" else channel_paths(job.dst, channels)
    for path in outputs:
        check_target(path, force=opts.force, inputs=(job.src,))
    t1 = time.perf_counter()
    S = stft(x, n_fft=opts.n_fft, hop=opts.hop, window=opts.window, center=opts.center)
    settings = StftSettings(opts.n_fft, opts.hop, opts.window, opts.center, audio.sample_rate, x.shape[0])
    t2 = time.perf_counter()
    report = {"input": job.src, "outputs": outputs, "sample_rate": audio.sample_rate, "samples": x.shape[0],
              "channels": channels, "n_fft": opts.n_fft, "hop": opts.hop, "window": opts.window,
              "center": opts.center, "frames": S.shape[1], "bins": S.shape[0], "format": fmt}
    if fmt == "npz":
        write_spectrogram_npz(job.dst, S, settings)
    else:
        chans = S[:, :, None] if S.ndim == 2 else S
        refs = []
        for c, path in enumerate(outputs):
            label = "mono" if channels == 1 else f"{c} of {channels}"
            refs.append(_write_picture(path, np.abs(chans[:, :, c]), settings, opts, fmt, label))
        report.update({"db_range": opts.db_range, "db_ref": refs, "mel": opts.mel, "colormap": opts.colormap})
    t3 = time.perf_counter()
    report["seconds"] = {"read": round(t1 - t0, 6), "stft": round(t2 - t1, 6), "write": round(t3 - t2, 6)}
    return report


def _write_picture(path: str, mag: np.ndarray, settings: StftSettings, opts: SpectrogramOptions,
                   fmt: str, label: str) -> float:
    from convcli.io.images import write_image
    from convcli.io.spectrogram_files import png_text

    fmin = fmax = 0.0
    scale_name = "linear"
    if opts.mel:
        fb = mel_filterbank(settings.sample_rate, settings.n_fft, opts.mel, fmin=opts.fmin, fmax=opts.fmax or None)
        mag = fb @ mag
        scale_name, fmin = "mel", float(opts.fmin)
        fmax = float(opts.fmax) if opts.fmax > 0 else settings.sample_rate / 2.0
    db, ref = magnitude_db(mag, db_range=opts.db_range)
    if fmt == "npy":
        write_image(path, db, fmt="npy")
        return ref
    scale = PngScale(db_range=float(opts.db_range), db_ref=ref, scale=scale_name, mel_bands=int(opts.mel),
                     fmin=fmin, fmax=fmax, channel=label)
    level = np.flipud((db.astype(np.float64) + opts.db_range) / opts.db_range)  # low frequencies at the bottom
    if opts.colormap is None:
        write_image(path, level * 65535.0, depth="16", full_scale=None, fmt="png", text=png_text(settings, scale))
        return ref
    from convcli.colormaps import apply_colormap, with_axes

    rgb = apply_colormap(level, opts.colormap)
    if opts.legend:
        top = fmax if opts.mel else settings.sample_rate / 2.0
        row = None
        if opts.mel:
            lo, hi = float(hz_to_mel(fmin)), float(hz_to_mel(top))
            row = lambda f: (float(hz_to_mel(f)) - lo) / (hi - lo)  # noqa: E731
        rgb = with_axes(rgb, seconds=settings.seconds(), top_hz=top, bottom_hz=fmin, row_hz=row)
    write_image(path, rgb, depth="8", full_scale=None, fmt="png",
                text=png_text(settings, scale, {"colormap": opts.colormap}))
    return ref


# --- convcli resynth --------------------------------------------------------------------------


@dataclass(frozen=True)
class ResynthOptions:
    iterations: int = 32
    momentum: float = 0.99
    seed: int = 0
    subtype: str | None = None
    fmt: str | None = None
    force: bool = False
    overrides: dict = field(default_factory=dict)


def picture_magnitudes(path: str, overrides: dict | None = None) -> tuple[np.ndarray, StftSettings, PngScale]:
    """Read a spectrogram picture (16-bit gray PNG from ``convcli spectrogram``) as linear-frequency
    magnitudes ``(n_fft//2+1, T)`` and its settings. Mel pictures are mapped back through the
    pseudo-inverse of the filter bank (clipped at 0)."""
    from convcli.io.images import read_image
    from convcli.io.spectrogram_files import settings_from_text

    data = read_image(path)
    if "colormap" in data.info:
        raise InputError("this is a colour-mapped picture for people; resynthesise the 16-bit grayscale "
                         "PNG (convcli spectrogram without --colormap) or the .npz", path)
    if data.pixels.ndim != 2:
        raise InputError(f"a spectrogram picture is one grayscale plane; got shape {data.pixels.shape}", path)
    settings, scale = settings_from_text(data.info, overrides, path)
    if settings.window not in WINDOWS or settings.n_fft < 2 or not 1 <= settings.hop <= settings.n_fft:
        raise InputError(f"bad STFT settings in the picture: n_fft={settings.n_fft}, hop={settings.hop}, "
                         f"window={settings.window}", path)
    if settings.sample_rate <= 0:
        raise InputError(f"the sample rate is {settings.sample_rate}", path)
    full = data.full_scale or float(np.max(data.pixels)) or 1.0
    level = np.flipud(data.pixels.astype(np.float64) / full)
    mag = db_to_magnitude(level * scale.db_range - scale.db_range, scale.db_ref)
    bins = settings.n_fft // 2 + 1
    if scale.scale == "mel":
        fb = mel_filterbank(settings.sample_rate, settings.n_fft, scale.mel_bands or mag.shape[0],
                            fmin=scale.fmin, fmax=scale.fmax or None)
        if fb.shape[0] != mag.shape[0]:
            raise InputError(f"the picture has {mag.shape[0]} rows but records {fb.shape[0]} mel bands", path)
        mag = np.maximum(np.linalg.pinv(fb) @ mag, 0.0)
    elif mag.shape[0] != bins:
        raise InputError(f"the picture has {mag.shape[0]} rows; n_fft={settings.n_fft} needs {bins}", path)
    return mag, settings, scale


def resynth_file(job, opts: ResynthOptions) -> dict:
    """Spectrogram (``.npz`` exactly, PNG by Griffin-Lim) -> audio file; returns a report."""
    from convcli.io.audio import audio_format, save_audio
    from convcli.io.spectrogram_files import is_spectrogram_npz, read_spectrogram_npz

    audio_format(job.dst, opts.fmt)
    check_target(job.dst, force=opts.force, inputs=(job.src,))
    t0 = time.perf_counter()
    if is_spectrogram_npz(job.src):
        S, settings = read_spectrogram_npz(job.src)
        rate = int(opts.overrides.get("sample_rate") or settings.sample_rate)
        if rate <= 0:
            raise InputError(f"the sample rate is {rate}; give --sample-rate", job.src)
        length = settings.length if settings.length > 0 else None
        x = istft(S, n_fft=settings.n_fft, hop=settings.hop, window=settings.window, center=settings.center,
                  length=length)
        method, iterations = "istft", 0
    elif job.src.lower().endswith(".npz"):
        raise InputError("not a convcli spectrogram .npz (it needs the fields stft, n_fft, hop, window)", job.src)
    else:
        mag, settings, _ = picture_magnitudes(job.src, opts.overrides)
        rate = settings.sample_rate
        x = griffin_lim(mag, n_fft=settings.n_fft, hop=settings.hop, window=settings.window,
                        center=settings.center, length=settings.length or None, iterations=opts.iterations,
                        momentum=opts.momentum, seed=opts.seed)
        method, iterations = "griffin-lim", opts.iterations
    t1 = time.perf_counter()
    save_audio(job.dst, x, rate, subtype=opts.subtype, fmt=opts.fmt)
    t2 = time.perf_counter()
    return {"input": job.src, "output": job.dst, "method": method, "iterations": iterations,
            "sample_rate": rate, "samples": int(x.shape[0]), "channels": 1 if x.ndim == 1 else int(x.shape[1]),
            "n_fft": settings.n_fft, "hop": settings.hop, "window": settings.window,
            "seconds": {"resynth": round(t1 - t0, 6), "write": round(t2 - t1, 6)}}


# --- convcli filter on a spectrogram .npz -----------------------------------------------------


def filter_spectrogram(S: np.ndarray, kernel: np.ndarray, **options) -> np.ndarray:
    """Convolve the magnitude of a complex spectrogram and keep its phase.

    A 1-D kernel filters along time, a 2-D kernel ``(frequency, time)``; ``options`` go to
    :func:`convcli.convolve` (``padding`` must stay ``same`` and ``stride`` 1 so that the result
    is still a spectrogram of the same shape). Negative filtered magnitudes are clipped to 0.
    """
    from convcli.convolve import convolve
    from convcli.filtering import image_kernel

    if options.get("padding", "same") != "same" or any(s != 1 for s in np.atleast_1d(options.get("stride", 1))):
        raise DataError("a spectrogram .npz is filtered with --padding same and --stride 1, so that it keeps "
                        "its shape and can be resynthesised")
    S = np.asarray(S)
    mag = np.abs(S)
    phase = np.ones(S.shape, dtype=np.complex128)
    nz = mag > 0
    phase[nz] = S[nz] / mag[nz]
    y = convolve(mag, image_kernel(np.asarray(kernel, dtype=np.float64)), **options)
    out = np.maximum(y, 0.0) * phase
    return out.astype(np.complex64 if S.dtype != np.complex128 else np.complex128)


def filter_spectrogram_file(job, opts) -> dict:
    """``convcli filter spec.npz``: filter the magnitude, keep the phase, write a spectrogram ``.npz``."""
    from convcli.io.spectrogram_files import read_spectrogram_npz, write_spectrogram_npz

    if job.dst == STDIO or not job.dst.lower().endswith(".npz"):
        raise OutputError("a filtered spectrogram .npz is written as .npz (resynth reads it)", job.dst)
    check_target(job.dst, force=opts.force, inputs=(job.src,))
    t0 = time.perf_counter()
    S, settings = read_spectrogram_npz(job.src)
    t1 = time.perf_counter()
    out = filter_spectrogram(S, opts.kernel, mode=opts.mode, padding=opts.padding, boundary=opts.boundary,
                             stride=opts.stride, dilation=opts.dilation, nan=opts.nan,
                             dtype=np.dtype(opts.dtype))
    t2 = time.perf_counter()
    write_spectrogram_npz(job.dst, out, settings)
    t3 = time.perf_counter()
    kernel = np.asarray(opts.kernel)
    return {"input": job.src, "output": job.dst, "input_shape": list(S.shape), "output_shape": list(out.shape),
            "kernel": opts.kernel_spec, "kernel_shape": list(kernel.reshape(1, -1).shape if kernel.ndim == 1
                                                              else kernel.shape),
            "multiply_adds": int(out.size * kernel.size), "spectrogram": True, "alpha": False,
            "mode": opts.mode, "padding": opts.padding, "boundary": opts.boundary, "stride": list(opts.stride),
            "dilation": list(opts.dilation), "method": "direct",
            "seconds": {"read": round(t1 - t0, 6), "filter": round(t2 - t1, 6), "write": round(t3 - t2, 6)}}
