"""Running one operation over many inputs: expanding globs and folders, naming outputs, a progress
bar on stderr (only on a terminal), worker processes, and a summary of failures.

A failed input does not stop the others (unless ``fail_fast``); each failure is kept with its
message so that the CLI can name it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

from convcli.errors import ConvcliError, InputError, UsageError
from convcli.io.atomic import STDIO, remove_partials

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".pgm", ".ppm", ".pnm",
                    ".pbm", ".webp", ".npy", ".npz")


@dataclass(frozen=True)
class Job:
    """One input and where its result goes (``None``: no file output)."""

    src: str
    dst: str | None


@dataclass
class Failure:
    src: str
    message: str
    exit_code: int = 1


@dataclass
class BatchResult:
    reports: list[dict] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return max((f.exit_code for f in self.failures), default=0)


def expand_inputs(inputs: Sequence[str], *, recursive: bool = False,
                  extensions: Sequence[str] = IMAGE_EXTENSIONS) -> list[tuple[str, str]]:
    """Expand files, quoted globs and directories into ``(path, relative name)`` pairs, in order.

    A name that matches nothing is kept as it is, so that reading it reports the missing file.
    """
    out: list[tuple[str, str]] = []
    for item in inputs:
        if item == STDIO:
            out.append((STDIO, "stdin"))
        elif os.path.isdir(item):
            pattern = os.path.join(item, "**", "*") if recursive else os.path.join(item, "*")
            found = sorted(p for p in glob.glob(pattern, recursive=recursive)
                           if os.path.isfile(p) and p.lower().endswith(tuple(extensions)))
            out.extend((p, os.path.relpath(p, item)) for p in found)
        elif glob.has_magic(item) and not os.path.exists(item):
            found = sorted(p for p in glob.glob(item, recursive=recursive) if os.path.isfile(p))
            if not found:
                raise UsageError(f"no file matches {item!r}")
            out.extend((p, os.path.basename(p)) for p in found)
        else:
            out.append((item, os.path.basename(item)))
    if not out:
        raise UsageError("no input files")
    return out


def plan_jobs(
    inputs: Sequence[str],
    *,
    output: str | None,
    out_dir: str | None,
    suffix: str = "",
    fmt: str | None = None,
    recursive: bool = False,
    default_ext: str = ".png",
    keep_ext: Sequence[str] = IMAGE_EXTENSIONS,
    need_output: bool = True,
    extensions: Sequence[str] = IMAGE_EXTENSIONS,
) -> list[Job]:
    """Pair each input with its output path.

    ``-o`` names the one output of a single input; ``--out-dir`` takes many and names each result
    after its input (``stem + suffix + extension``, the extension from ``fmt``, else the input's own
    when writable, else ``default_ext``), mirroring sub-folders of a directory input.
    """
    pairs = expand_inputs(inputs, recursive=recursive, extensions=extensions)
    if output is not None and out_dir is not None:
        raise UsageError("give either -o/--output or --out-dir, not both")
    if output is not None:
        if len(pairs) > 1:
            raise UsageError(f"{len(pairs)} inputs but one -o/--output; use --out-dir for many inputs")
        return [Job(pairs[0][0], output)]
    if out_dir is None:
        if need_output:
            raise UsageError("say where the result goes: -o FILE (- for stdout) or --out-dir DIR")
        return [Job(src, None) for src, _ in pairs]
    jobs = []
    seen: dict[str, str] = {}
    for src, rel in pairs:
        stem, ext = os.path.splitext(rel)
        if fmt:
            ext = "." + fmt.lower().lstrip(".")
        elif ext.lower() not in keep_ext:
            ext = default_ext
        dst = os.path.join(out_dir, stem + suffix + ext)
        if dst in seen:
            raise UsageError(f"{seen[dst]} and {src} would both be written to {dst}; use --suffix or --format")
        seen[dst] = src
        jobs.append(Job(src, dst))
    return jobs


def prepare_out_dir(out_dir: str | None, jobs: Sequence[Job]) -> None:
    """Create the output folder (and mirrored sub-folders)."""
    if out_dir is None:
        return
    for job in jobs:
        if job.dst:
            try:
                os.makedirs(os.path.dirname(job.dst) or ".", exist_ok=True)
            except OSError as exc:
                raise InputError(f"cannot create the output directory: {exc.strerror or exc}", out_dir) from None


_worker_state = {"stopping": False, "in_job": False}


def _run_one(work: Callable[[Job], dict], job: Job) -> dict:
    if _worker_state["stopping"]:  # stopped (SIGTERM) while this job sat in the call queue
        raise SystemExit(143)
    _worker_state["in_job"] = True
    try:
        return work(job)
    finally:
        _worker_state["in_job"] = False


def run_jobs(
    jobs: Sequence[Job],
    work: Callable[[Job], dict],
    *,
    n_jobs: int = 1,
    fail_fast: bool = False,
    progress: bool = True,
    label: str = "filtering",
) -> BatchResult:
    """Run ``work`` on every job; ``work`` must be picklable (a module-level function or a
    ``functools.partial`` of one) when ``n_jobs > 1``. Failures are collected, not raised."""
    result = BatchResult()
    start = time.perf_counter()
    bar = _progress_bar(len(jobs), label) if progress and len(jobs) > 1 else None
    try:
        with _sigterm_as_exit():
            _run_all(jobs, work, n_jobs, fail_fast, result, bar)
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, or SIGTERM (see _sigterm_as_exit)
        _after_interrupt(jobs)
        raise
    finally:
        if bar:
            bar.close()
    result.seconds = time.perf_counter() - start
    return result


def _run_all(jobs, work, n_jobs, fail_fast, result, bar) -> None:
    if n_jobs <= 1 or len(jobs) <= 1:
        for job in jobs:
            if not _record(result, job, lambda job=job: work(job)) and fail_fast:
                break
            if bar:
                bar.advance()
    else:
        _run_pool(jobs, work, n_jobs, fail_fast, result, bar)


@contextlib.contextmanager
def _sigterm_as_exit():
    """SIGTERM (``kill``, ``timeout``) ends the batch like Ctrl-C, cleanly, with exit code 143."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _exit_143)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _exit_143(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _record(result: BatchResult, job: Job, call: Callable[[], dict]) -> bool:
    try:
        report = call()
    except ConvcliError as exc:
        exc.with_path(job.src if exc.path is None else exc.path)
        result.failures.append(Failure(job.src, str(exc), exc.exit_code))
        return False
    except MemoryError:
        result.failures.append(Failure(job.src, f"out of memory ({job.src})"))
        return False
    except BrokenPipeError:
        raise
    except Exception as exc:  # a bug or a dead worker: name the file, keep going with the others
        if os.environ.get("CONVCLI_DEBUG"):
            raise
        text = " ".join(str(exc).split()) or type(exc).__name__
        result.failures.append(Failure(job.src, f"internal error: {type(exc).__name__}: {text} ({job.src})"))
        return False
    result.reports.append(report)
    return True


@contextlib.contextmanager
def _sigint_ignored():
    """A second Ctrl-C during cleanup is ignored (signal handlers live in the main thread only)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _after_interrupt(jobs: Sequence[Job]) -> None:
    """Ctrl-C: leave only complete outputs."""
    with _sigint_ignored():
        for job in jobs:
            if job.dst:
                remove_partials(job.dst)


def _worker_init() -> None:
    """Worker processes leave Ctrl-C to the parent, which stops them with SIGTERM: that raises
    SystemExit inside the running job, so its atomic write removes its temporary file."""
    import signal

    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_term)


def _exit_on_term(signum, frame) -> None:
    _worker_state["stopping"] = True
    if not _worker_state["in_job"]:
        os._exit(128 + signum)  # idle: nothing to clean up
    raise SystemExit(128 + signum)


# Seconds the workers get to stop after SIGTERM and the pool's shutdown before SIGKILL. A worker
# stopped while it, or the other one, was sending a result can leave the shared result queue's lock
# taken; the other worker then waits for it forever without acting on SIGTERM (seen with gdb: blocked
# in the lock's acquire, handler installed, nothing pending), and the pool's shutdown spun at 100 % CPU
# waiting for it (Ctrl-C of a `--jobs 2` batch hung, 1 run in 6-7 of tests/test_reliability_process.py's,
# 2026-11-28). The parent removes partial outputs itself, so a killed worker leaves nothing half-written.
STOP_GRACE = 3.0


def _stop_pool(pool: ProcessPoolExecutor, grace: float = STOP_GRACE) -> None:
    """Ctrl-C or SIGTERM: stop the workers and the pool.

    SIGTERM to every worker (a running job stops and removes its temporary file), then the pool's
    shutdown, which wakes the idle ones (waiting for the queue, they did not act on SIGTERM until
    then: with the shutdown after the grace period, most Ctrl-Cs took the whole 3 s); workers still
    running ``grace`` seconds later are killed.
    """
    import threading
    from concurrent.futures import InvalidStateError
    from multiprocessing.connection import wait as wait_for

    procs = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    for proc in procs:
        with contextlib.suppress(OSError, AttributeError, ValueError):
            proc.terminate()
    previous = threading.excepthook

    def quiet(args) -> None:
        # Python < 3.12: a pool broken by a worker's exit sets an exception on every pending future,
        # including the ones cancelled here, and that raises in the pool's thread (a traceback on stderr)
        if not (args.thread is manager and issubclass(args.exc_type, InvalidStateError)):
            previous(args)

    threading.excepthook = quiet
    try:
        pool.shutdown(wait=False, cancel_futures=True)
        # wait on the exit sentinels rather than join(): the pool's thread reaps the workers, and two
        # threads reaping one process can leave it looking alive to one of them
        running = {}
        for proc in procs:
            with contextlib.suppress(ValueError, AttributeError):  # not started
                running[proc.sentinel] = proc
        deadline = time.monotonic() + grace
        with contextlib.suppress(OSError):
            while running and (left := deadline - time.monotonic()) > 0:
                for ended in wait_for(list(running), timeout=left):
                    running.pop(ended)
        for proc in running.values():
            with contextlib.suppress(OSError, AttributeError, ValueError):
                proc.kill()
        if manager is not None:
            manager.join()
    finally:
        threading.excepthook = previous


def _run_pool(jobs, work, n_jobs, fail_fast, result, bar) -> None:
    left = _pool_pass(jobs, work, n_jobs, fail_fast, result, bar, find_culprit=False)
    while left:
        # A worker died (killed for lack of memory, or a crash) and took the pool down; the jobs it
        # had not finished run again, one worker at a time, so that a death names its own file.
        left = _pool_pass(left, work, 1, fail_fast, result, bar, find_culprit=True)


WORKER_DIED = "the worker process died while processing this file (out of memory, or a crash)"


def _pool_pass(jobs, work, n_jobs, fail_fast, result, bar, *, find_culprit: bool) -> list[Job]:
    """Run ``jobs`` in one pool; returns the jobs to run again after a worker died."""
    import signal
    from concurrent.futures.process import BrokenProcessPool
    from multiprocessing import get_context

    pool = ProcessPoolExecutor(max_workers=n_jobs, mp_context=get_context("spawn"), initializer=_worker_init)
    # Workers are started by submit(). SIGINT is blocked meanwhile: children inherit the mask, so a
    # terminal's Ctrl-C never reaches a half-started worker (it would print a traceback); the
    # parent gets a Ctrl-C pressed in this window as soon as the mask is restored.
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pending = {pool.submit(_run_one, work, job): job for job in jobs}
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        _stop_pool(pool)
        raise
    signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    broken: set[Job] = set()
    with pool:
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = pending.pop(fut)
                    if not fut.cancelled() and isinstance(fut.exception(), BrokenProcessPool):
                        broken.add(job)
                        continue
                    ok = _record(result, job, fut.result)
                    if bar:
                        bar.advance()
                    if not ok and fail_fast:
                        for other in pending:
                            other.cancel()
                        pending.clear()
                        break
        except BaseException:
            for other in pending:
                other.cancel()
            with _sigint_ignored():
                _stop_pool(pool)
            raise
    left = [job for job in jobs if job in broken]
    if find_culprit and left:
        # one worker runs the jobs in order: the first unfinished one is the one it died on
        culprit, left = left[0], left[1:]
        result.failures.append(Failure(culprit.src, f"{WORKER_DIED} ({culprit.src})"))
        if bar:
            bar.advance()
        if fail_fast:
            return []
    return left


class _progress_bar:
    """A rich progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, total: int, label: str) -> None:
        self._progress = None
        if not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self._progress = Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(label, total=total)

    def advance(self) -> None:
        if self._progress is not None:
            self._progress.advance(self._task)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
