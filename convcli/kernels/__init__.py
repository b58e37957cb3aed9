"""Numba ``@njit`` loops only: no validation, no Python objects (see ``convcli.convolve``)."""

from convcli._numba_cache import configure as _configure_cache

_configure_cache()
