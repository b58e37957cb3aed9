"""Spectrogram files: ``.npz`` (complex STFT + settings, exactly invertible) and 16-bit PNG
(dB magnitude with the settings in PNG text chunks).

A spectrogram ``.npz`` is recognised by its fields (``stft``, ``n_fft``, ``hop``, ``window``), so
other commands (``convcli filter``) can tell it from an image array.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, dataclass

import numpy as np

from convcli.errors import InputError
from convcli.io.atomic import STDIO, atomic_open

KIND = "convcli-spectrogram/1"
_NPZ_FIELDS = ("stft", "n_fft", "hop", "window")


@dataclass(frozen=True)
class StftSettings:
    """What is needed to invert a spectrogram (and to label it)."""

    n_fft: int
    hop: int
    window: str
    center: bool
    sample_rate: int
    length: int

    def seconds(self) -> float:
        return self.length / self.sample_rate


@dataclass(frozen=True)
class PngScale:
    """How 16-bit PNG values map to magnitudes: ``dB = value/65535 * db_range - db_range`` relative
    to ``db_ref`` (the magnitude at full white), and the frequency scale of the rows."""

    db_range: float
    db_ref: float
    scale: str = "linear"  # or "mel"
    mel_bands: int = 0
    fmin: float = 0.0
    fmax: float = 0.0
    channel: str = "mono"


def is_spectrogram_npz(path: str) -> bool:
    """True when ``path`` is a ``.npz`` holding a spectrogram written by convcli (by its fields)."""
    if path == STDIO or not str(path).lower().endswith(".npz"):
        return False
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (OSError, zipfile.BadZipFile):
        return False
    return all(f + ".npy" in names for f in _NPZ_FIELDS)


def write_spectrogram_npz(path: str, S: np.ndarray, settings: StftSettings) -> None:
    """Write the complex STFT ``(F, T)`` or ``(F, T, C)`` and its settings, atomically."""
    fields = {k: np.asarray(v) for k, v in asdict(settings).items()}
    buf = io.BytesIO()
    np.savez_compressed(buf, stft=np.ascontiguousarray(S), kind=np.asarray(KIND), **fields)
    with atomic_open(path) as fh:
        fh.write(buf.getvalue())


def read_spectrogram_npz(path: str) -> tuple[np.ndarray, StftSettings]:
    """Read a spectrogram ``.npz``; :class:`InputError` when it is not one or is damaged."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [f for f in _NPZ_FIELDS if f not in npz.files]
            if missing:
                raise InputError(f"not a convcli spectrogram .npz (no {', '.join(missing)} field)", path)
            S = npz["stft"]
            settings = StftSettings(
                n_fft=int(npz["n_fft"]), hop=int(npz["hop"]), window=str(npz["window"]),
                center=bool(npz["center"]) if "center" in npz.files else True,
                sample_rate=int(npz["sample_rate"]) if "sample_rate" in npz.files else 0,
                length=int(npz["length"]) if "length" in npz.files else 0,
            )
    except InputError:
        raise
    except (ValueError, OSError, EOFError, KeyError, TypeError, zipfile.BadZipFile) as exc:
        raise InputError(f"cannot read the spectrogram .npz: {exc}", path) from None
    if S.ndim not in (2, 3) or S.dtype.kind not in "fc" or S.size == 0:
        raise InputError(f"the stft field must be a non-empty (F, T[, C]) array; got {S.dtype} {S.shape}", path)
    if settings.n_fft // 2 + 1 != S.shape[0]:
        raise InputError(f"the stft has {S.shape[0]} rows, n_fft={settings.n_fft} needs {settings.n_fft // 2 + 1}",
                         path)
    return S, settings


def png_text(settings: StftSettings, scale: PngScale, extra: dict[str, str] | None = None) -> dict[str, str]:
    """PNG text chunks describing a spectrogram picture (all values as text)."""
    text = {"convcli": KIND, "Software": "convcli"}
    for key, value in {**asdict(settings), **asdict(scale)}.items():
        text[key] = ("1" if value else "0") if isinstance(value, bool) else repr(value) if isinstance(
            value, float) else str(value)
    text.update(extra or {})
    return text


def settings_from_text(info: dict[str, str], overrides: dict | None = None,
                       path: str = "") -> tuple[StftSettings, PngScale]:
    """Parse the text chunks written by :func:`png_text`; ``overrides`` (non-None values) win.

    Raises :class:`InputError` naming the missing settings.
    """
    values: dict = {}
    for key in list(StftSettings.__dataclass_fields__) + list(PngScale.__dataclass_fields__):
        if key in info:
            values[key] = info[key]
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    defaults = {"window": "hann", "center": True, "db_ref": 1.0, "scale": "linear"}
    for key, value in defaults.items():
        values.setdefault(key, value)
    missing = [k for k in ("n_fft", "hop", "sample_rate", "db_range") if k not in values]
    if missing:
        flags = ", ".join("--" + k.replace("_", "-") for k in missing)
        raise InputError(f"the picture does not record its STFT settings ({', '.join(missing)}); "
                         f"give them with {flags}", path)
    try:
        settings = StftSettings(
            n_fft=int(values["n_fft"]), hop=int(values["hop"]), window=str(values["window"]),
            center=str(values["center"]) not in ("0", "False", "false"), sample_rate=int(values["sample_rate"]),
            length=int(values.get("length", 0)))
        scale = PngScale(db_range=float(values["db_range"]), db_ref=float(values["db_ref"]),
                         scale=str(values["scale"]), mel_bands=int(values.get("mel_bands", 0)),
                         fmin=float(values.get("fmin", 0.0)), fmax=float(values.get("fmax", 0.0)),
                         channel=str(values.get("channel", "mono")))
    except (TypeError, ValueError) as exc:
        raise InputError(f"bad STFT settings in the picture's text chunks: {exc}", path) from None
    return settings, scale


def describe(settings: StftSettings) -> str:
    """One JSON line of the settings (for reports)."""
    return json.dumps(asdict(settings), sort_keys=True)


__all__ = ["KIND", "PngScale", "StftSettings", "describe", "is_spectrogram_npz", "png_text",
           "read_spectrogram_npz", "settings_from_text", "write_spectrogram_npz"]
