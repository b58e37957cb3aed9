"""Worker functions for tests/test_batch_reliability.py (importable by spawned worker processes)."""

from __future__ import annotations

import signal
import time


def ignore_term_and_sleep(marker: str, seconds: float) -> int:
    """A worker that will not stop on SIGTERM (as one blocked on a lock another worker left taken);
    creates ``marker`` once SIGTERM is ignored."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(marker, "w"):
        pass
    time.sleep(seconds)
    return 0


def ready() -> int:
    return 1
