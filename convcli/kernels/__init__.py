"""Numba ``@njit`` loops only: no validation, no Python objects (see ``convcli.convolve``)."""

from convcli._numba_cache import configure as _configure_cache

_configure_cache()

from convcli._numba_lean import skip_optional_imports as _skip_optional_imports  # noqa: E402  (issue 7: memory)

_skip_optional_imports()
