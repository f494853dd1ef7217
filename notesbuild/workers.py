"""Run notebooks in parallel worker processes, and stop them cleanly on Ctrl-C.

`run_pool(work, jobs, log, finish)` runs each item of `work`, (slug, path, standalone notebook
text, cache key, cell timeout, kernel environment), in a spawned worker: the notebook runs in a
fresh kernel (notesbuild/kernel.py), then `finish(nb, slug, seconds, key, profile)` stamps and
stores it (notesbuild/execute.py). It returns the failures' messages, one per notebook.

Ctrl-C reaches the whole foreground process group: this process and its workers (kernels run
in sessions of their own). Each worker interrupts its kernel's running cell (a second Ctrl-C
kills the kernel) and starts nothing more; this process drops the notebooks not started and
raises Interrupted naming what stopped. When only this process gets SIGINT (`kill -INT`), it
passes it on. SIGTERM (a runner cancelling the job, `kill`, `timeout`) is taken like Ctrl-C, but
passed on as SIGTERM: the workers kill their kernels at once. Nothing is left: kernels are shut
down as after any failure, their temporary folders removed, and an execution is stored whole or
not at all.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import nbformat

from notesbuild import cache, kernel
from notesbuild.kernel import ExecutionError, Interrupted


def run_pool(work: list[tuple], jobs: int, log, finish) -> list[str]:
    """Run `work` in `jobs` spawned workers (not forked: the caller may be `mkdocs serve` with
    threads running); returns the error messages, raises Interrupted on Ctrl-C."""
    errors: list[str] = []
    stopped: list[str] = []
    how = "Ctrl-C"
    context = multiprocessing.get_context("spawn")
    stop = context.Event()  # set on Ctrl-C: a worker that missed the signal starts no notebook
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init,
                             initargs=(str(cache.CACHE_DIR), stop)) as pool:
        with _sigint_ignored():  # workers start ignoring it, until _worker_init takes it
            pending = {pool.submit(_execute_one, item, finish): item[0] for item in work}
        while pending:
            try:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt as exc:
                how = signal_name(exc)
                print("stopping the running notebooks" if how == "SIGTERM" else
                      "interrupting the running notebooks (Ctrl-C again kills their kernels)", file=sys.stderr)
                stop.set()
                for future in pending:
                    future.cancel()
                for child in multiprocessing.active_children():
                    os.kill(child.pid, signal.SIGTERM if how == "SIGTERM" else signal.SIGINT)
                continue
            for future in done:
                slug = pending.pop(future)
                if future.cancelled():
                    stopped.append(f"{slug}.ipynb not started")
                    continue
                try:
                    seconds, err, interrupted = future.result()
                except BrokenProcessPool:  # the worker process itself was killed
                    seconds, interrupted = None, False
                    err = f"{slug}.ipynb: the build worker running it died (killed, or out of memory?); nothing cached"
                if interrupted:
                    stopped.append(err)
                elif err:
                    errors.append(err)
                    log(f"  {slug:<24} FAILED")
                else:
                    log(f"  {slug:<24} executed {seconds:7.1f} s")
    if stopped:
        raise Interrupted(f"interrupted ({how}): " + "; ".join(stopped) + ". Executions that finished before "
                          "are cached; no kernel or temporary folder is left" + "".join(f"\n\n{e}" for e in errors))
    return errors


def _worker_init(cache_dir: str, stop) -> None:
    """A spawned worker: this build's cache folder (a worker starts from the module's defaults), and
    SIGINT taken by notesbuild.kernel (interrupt the kernel, run nothing more; so does `stop`)."""
    cache.CACHE_DIR = Path(cache_dir)
    kernel.own_sigint(stop)


def _execute_one(item: tuple[str, str, str, str, int, dict[str, str]], finish):
    """Worker: run one notebook, then `finish` it. Returns (seconds, error message or None, interrupted)."""
    slug, path, text, key, timeout, env = item
    try:
        nb, seconds = kernel.run_notebook(nbformat.reads(text, as_version=4), Path(path), timeout, env)
        finish(nb, slug, seconds, key, env["NOTES_PROFILE"])
    except Interrupted as exc:
        return None, str(exc), True
    except ExecutionError as exc:
        return None, str(exc), False
    except OSError as exc:  # disk full, read-only cache folder
        return None, f"{Path(path).name}: executed, but not stored in the cache: {exc}", False
    except Exception as exc:  # tooling failure (kernel missing, unreadable file): still name the notebook
        return None, f"{Path(path).name}: execution failed: {type(exc).__name__}: {exc}", False
    return seconds, None, False


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises KeyboardInterrupt (inside `sigterm_as_interrupt`)."""


def signal_name(exc: BaseException) -> str:
    return "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"


def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt():
    """SIGTERM raises Terminated meanwhile, so that a build told to stop cleans up as after Ctrl-C
    (kernels, temporary folders, no half-stored execution); only the main thread can."""
    with _signals_set({signal.SIGTERM: _raise_terminated}):
        yield


@contextlib.contextmanager
def _sigint_ignored():
    """SIGINT and SIGTERM ignored meanwhile (processes started now inherit that, until
    _worker_init takes them)."""
    with _signals_set({signal.SIGINT: signal.SIG_IGN, signal.SIGTERM: signal.SIG_IGN}):
        yield


@contextlib.contextmanager
def _signals_set(handlers: dict):
    """Signal handlers set meanwhile, then restored; only the main thread can set them."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
