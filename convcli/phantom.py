"""Synthetic samples: a CT-like 3-D Shepp–Logan phantom and a small colour "video".

The phantom is the sum of ten ellipsoids with the intensities of the *modified* 3-D Shepp–Logan
phantom (the version with better contrast, as in Toft's thesis and the ``phantom3d`` MATLAB
function): skull 1.0, brain 0.2, ventricles 0.0, small features 0.3, values in ``[0, 1]``.
Coordinates span ``[-1, 1]`` on every axis; ``y`` grows upward (row 0 is the top), ``z`` from the
first plane to the last.
"""

from __future__ import annotations

import math

import numpy as np

from convcli.errors import UsageError

# A, a, b, c, x0, y0, z0, phi, theta, psi (angles in degrees, z-x-z Euler rotation)
MODIFIED_SHEPP_LOGAN_3D = (
    (1.0, 0.6900, 0.920, 0.810, 0.00, 0.0000, 0.00, 0.0, 0.0, 0.0),
    (-0.8, 0.6624, 0.874, 0.780, 0.00, -0.0184, 0.00, 0.0, 0.0, 0.0),
    (-0.2, 0.1100, 0.310, 0.220, 0.22, 0.0000, 0.00, -18.0, 0.0, 10.0),
    (-0.2, 0.1600, 0.410, 0.280, -0.22, 0.0000, 0.00, 18.0, 0.0, 10.0),
    (0.1, 0.2100, 0.250, 0.410, 0.00, 0.3500, -0.15, 0.0, 0.0, 0.0),
    (0.1, 0.0460, 0.046, 0.050, 0.00, 0.1000, 0.25, 0.0, 0.0, 0.0),
    (0.1, 0.0460, 0.046, 0.050, 0.00, -0.1000, 0.25, 0.0, 0.0, 0.0),
    (0.1, 0.0460, 0.023, 0.050, -0.08, -0.6050, 0.00, 0.0, 0.0, 0.0),
    (0.1, 0.0230, 0.023, 0.020, 0.00, -0.6060, 0.00, 0.0, 0.0, 0.0),
    (0.1, 0.0230, 0.046, 0.020, 0.06, -0.6050, 0.00, 0.0, 0.0, 0.0),
)


def _rotation(phi: float, theta: float, psi: float) -> np.ndarray:
    cf, sf = math.cos(math.radians(phi)), math.sin(math.radians(phi))
    ct, st = math.cos(math.radians(theta)), math.sin(math.radians(theta))
    cp, sp = math.cos(math.radians(psi)), math.sin(math.radians(psi))
    return np.array([
        [cp * cf - ct * sf * sp, cp * sf + ct * cf * sp, sp * st],
        [-sp * cf - ct * sf * cp, -sp * sf + ct * cf * cp, cp * st],
        [st * sf, -st * cf, ct],
    ])


def shepp_logan_3d(size: int = 128, *, noise: float = 0.0, seed: int = 0, dtype=np.float32) -> np.ndarray:
    """A CT-like test volume ``(size, size, size)`` = ``(D, H, W)``, values in ``[0, 1]``.

    Parameters
    ----------
    size : int
        Samples per axis (at least 8).
    noise : float
        Standard deviation of added Gaussian noise (0 = none); the result is not clipped.
    seed : int
        Seed of the noise, so that samples are reproducible.

    Examples
    --------
    >>> from convcli.phantom import shepp_logan_3d
    >>> v = shepp_logan_3d(32)
    >>> v.shape, float(v.max())
    ((32, 32, 32), 1.0)
    """
    if isinstance(size, bool) or int(size) != size or size < 8:
        raise UsageError(f"the phantom size must be a whole number of at least 8; got {size!r}")
    if not (noise >= 0 and math.isfinite(noise)):
        raise UsageError(f"noise must be 0 or more; got {noise!r}")
    n = int(size)
    coords = np.linspace(-1.0, 1.0, n)
    xs, ys, zs = coords, coords[::-1], coords  # row 0 is the top (y = +1)
    vol = np.zeros((n, n, n), dtype=np.float64)
    for amp, a, b, c, x0, y0, z0, phi, theta, psi in MODIFIED_SHEPP_LOGAN_3D:
        rot = _rotation(phi, theta, psi)
        r = max(a, b, c)
        # only the sub-cube that can hold the ellipsoid
        iz = np.nonzero(np.abs(zs - z0) <= r)[0]
        iy = np.nonzero(np.abs(ys - y0) <= r)[0]
        ix = np.nonzero(np.abs(xs - x0) <= r)[0]
        if iz.size == 0 or iy.size == 0 or ix.size == 0:
            continue
        z = (zs[iz] - z0)[:, None, None]
        y = (ys[iy] - y0)[None, :, None]
        x = (xs[ix] - x0)[None, None, :]
        p = [rot[i, 0] * x + rot[i, 1] * y + rot[i, 2] * z for i in range(3)]
        inside = (p[0] / a) ** 2 + (p[1] / b) ** 2 + (p[2] / c) ** 2 <= 1.0
        vol[iz[0]:iz[-1] + 1, iy[0]:iy[-1] + 1, ix[0]:ix[-1] + 1] += amp * inside
    np.clip(vol, 0.0, None, out=vol)  # remove -1e-17 style rounding below the background
    if noise > 0:
        vol += np.random.default_rng(seed).normal(0.0, noise, vol.shape)
    return vol.astype(dtype)


def synthetic_video(frames: int = 24, height: int = 96, width: int = 128, *, seed: int = 0) -> np.ndarray:
    """A small colour "video" ``(T, H, W, 3)`` uint8: a red disc moving right, a green square moving
    down and a blue ring that pulses, over a slowly shifting gradient with a little noise.

    Examples
    --------
    >>> from convcli.phantom import synthetic_video
    >>> synthetic_video(4, 16, 20).shape
    (4, 16, 20, 3)
    """
    for name, v, lo in (("frames", frames, 1), ("height", height, 8), ("width", width, 8)):
        if isinstance(v, bool) or int(v) != v or v < lo:
            raise UsageError(f"{name} must be a whole number of at least {lo}; got {v!r}")
    rng = np.random.default_rng(seed)
    t_all = np.arange(frames) / max(frames, 1)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    out = np.empty((frames, height, width, 3), dtype=np.uint8)
    for i, t in enumerate(t_all):
        img = np.empty((height, width, 3))
        img[..., 0] = 40 + 60 * xx / width
        img[..., 1] = 50 + 60 * yy / height
        img[..., 2] = 90 + 50 * math.sin(2 * math.pi * t)
        cx, cy = width * (0.15 + 0.7 * t), height * 0.35
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= (0.12 * height) ** 2
        img[disc] = (230, 40, 40)
        sx, sy, half = width * 0.7, height * (0.15 + 0.6 * t), 0.1 * height
        square = (np.abs(xx - sx) <= half) & (np.abs(yy - sy) <= half)
        img[square] = (40, 220, 60)
        radius = height * (0.15 + 0.05 * math.sin(4 * math.pi * t))
        dist = np.hypot(xx - width * 0.3, yy - height * 0.72)
        img[np.abs(dist - radius) <= 2.0] = (50, 80, 240)
        img += rng.normal(0.0, 4.0, img.shape)
        out[i] = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return out
