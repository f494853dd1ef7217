"""Run one notebook in a fresh Jupyter kernel (nbclient), and say plainly how it ended.

`run_notebook` executes a notebook in an empty temporary folder with the environment of
`kernel_env` (this repository off the path, the runtime-package import guard of
notesbuild/importguard.py installed by an IPython startup file) and raises ExecutionError
naming the notebook, the cell and the cause, with the snippet file and line when the
exception came from a module in snippets/, and how a dead kernel ended (exit status, signal).
A cell whose outputs pass MAX_CELL_OUTPUT stops the run: the page would carry them.

Two kinds of kernel stop are the build's doing, not the notebook's: a cell past its timeout
and an interrupt (Ctrl-C). The kernel is shut down as after any failure, and what it writes
to its own stderr while its sockets close (a ZMQError traceback) is dropped; otherwise the
kernel's stderr is relayed (or, when it died, quoted in the error).

Interrupts: nbclient runs in a thread of its own, so it installs no SIGINT handler (its
handler tears the kernel down under the running cell and fails later on an AssertionError).
The calling thread owns SIGINT: it interrupts the kernel, whose cell then stops with
KeyboardInterrupt, and every later notebook of this process is refused (Interrupted). SIGTERM
(a runner cancelling the job, `kill`, `timeout`) is taken the same way, except that it kills the
kernel at once instead of waiting for its cell to stop.
"""

from __future__ import annotations

import copy
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

from notesbuild import cache, standalone

GUARD = Path(__file__).with_name("importguard.py")
MAX_CELL_OUTPUT = 5_000_000  # bytes of one cell's outputs (the largest figure cell today: 0.3 MB)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FRAME = re.compile(r"^File (.+?):(\d+)", re.MULTILINE)


class ExecutionError(Exception):
    """A notebook failed: the message names the notebook, the cell and the cause."""


class Interrupted(ExecutionError):
    """The run was interrupted (Ctrl-C / SIGINT, or SIGTERM) before this notebook finished."""


# SIGINTs (and SIGTERMs) received by this process, when the last one came, the running kernel's process group,
# and the build's stop flag (a multiprocessing Event)
_interrupts = {"count": 0, "at": -1.0, "kernel": None, "stop": None}


def _on_sigint(signum, frame) -> None:
    """First SIGINT: interrupt the running kernel's cell. A second, or SIGTERM (stop now, not when
    the cell allows it): kill the kernel."""
    if signum == signal.SIGINT and time.monotonic() - _interrupts["at"] < 1:
        return  # the same Ctrl-C, from the terminal and passed on by the parent process too
    _interrupts["count"] += 1
    _interrupts["at"] = time.monotonic()
    pgid = _interrupts["kernel"]
    if pgid:
        try:
            gentle = signum == signal.SIGINT and _interrupts["count"] == 1
            os.killpg(pgid, signal.SIGINT if gentle else signal.SIGKILL)
        except OSError:
            pass


def interrupted() -> bool:
    stop = _interrupts["stop"]
    return _interrupts["count"] > 0 or (stop is not None and stop.is_set())


def own_sigint(stop=None) -> None:
    """Take SIGINT and SIGTERM in this process (a build worker; see the module docstring); `stop`,
    when set by the build process, also refuses the notebooks not started yet."""
    _interrupts["stop"] = stop
    signal.signal(signal.SIGINT, _on_sigint)
    signal.signal(signal.SIGTERM, _on_sigint)


def ipython_dir() -> Path:
    """An IPython directory whose startup file installs the import guard in every kernel."""
    folder = cache.CACHE_DIR.parent / "ipython"
    startup = folder / "profile_default" / "startup" / "00-mlnotes-importguard.py"
    text = f"__import__('runpy').run_path({str(GUARD)!r})['install']()  # written by notesbuild/kernel.py\n"
    if not startup.is_file() or startup.read_text(encoding="utf-8") != text:  # whole, for kernels starting now
        startup.parent.mkdir(parents=True, exist_ok=True)
        partial = startup.with_name(f".{startup.name}.{os.getpid()}")
        partial.write_text(text, encoding="utf-8")
        partial.replace(startup)
    return folder


def kernel_env(prof: str) -> dict[str, str]:
    """Environment of a kernel: the profile, the thread count of the cache key (not a share of the
    cores: results would depend on how many notebooks run at once), this repository off the
    path (the standalone notebook writes the snippets it needs next to itself), and IPYTHONDIR
    with the import guard."""
    env = dict(os.environ)
    env["NOTES_PROFILE"] = prof
    env["NOTES_THREADS"] = cache.threads()
    root = cache.ROOT.resolve()
    kept = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != root]
    if kept:
        env["PYTHONPATH"] = os.pathsep.join(kept)
    else:
        env.pop("PYTHONPATH", None)
    env["PYTHONHASHSEED"] = "0"
    # OpenMP threads that spin while waiting slow small torch loops badly on a busy 2-core machine
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env.pop("MPLBACKEND", None)  # the kernel's inline backend, so figures become outputs
    env["IPYTHONDIR"] = str(ipython_dir())
    return env


def error_text(cell: nbformat.NotebookNode, folder: str | None = None) -> str:
    """The exception of a failed cell, "Name: value", and where in snippets/ it was raised."""
    outputs = cell.get("outputs", [])
    for out in outputs:
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}{_snippet_frame(out, folder)}"
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr").strip()
    return stderr.splitlines()[-1] if stderr else "unknown error (no traceback in the outputs)"


def _snippet_frame(error: dict, folder: str | None) -> str:
    """" (raised in snippets/x.py, line N)" for the innermost traceback frame in the kernel's
    snippets/ folder (the inlined copy has the repository file's lines), or ""."""
    if not folder:
        return ""
    inside = Path(folder).resolve() / "snippets"
    found = ""
    for path, line in _FRAME.findall(_ANSI.sub("", "\n".join(error.get("traceback", [])))):
        if Path(path).resolve().is_relative_to(inside):
            found = f" (raised in snippets/{Path(path).name}, line {line})"
    return found


def run_notebook(nb: nbformat.NotebookNode, nb_path: Path, timeout: int,
                 env: dict[str, str]) -> tuple[nbformat.NotebookNode, float]:
    """Execute `nb`, the standalone form of `nb_path`, in a fresh kernel, in an empty folder.

    Raises ExecutionError naming the cell (numbered as in the source notebook) on failure,
    Interrupted if this process got SIGINT.
    """
    if interrupted():
        raise Interrupted(f"{nb_path.name} not started")
    start = time.perf_counter()
    spare = copy.deepcopy(nb)
    for attempt in (1, 2):
        with tempfile.TemporaryDirectory(prefix=f"mlnotes-{nb_path.stem}-") as folder, \
                tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as log:
            outcome: dict = {}
            worker = threading.Thread(target=_execute, args=(nb, timeout, env, folder, log, outcome), daemon=True)
            worker.start()
            while worker.is_alive():  # join in slices: this thread must stay free to run _on_sigint
                try:
                    worker.join(0.2)
                except KeyboardInterrupt:  # a caller that did not call own_sigint(): the same steps
                    _on_sigint(signal.SIGINT, None)
            _interrupts["kernel"] = None
            if attempt == 1 and _did_not_start(outcome) and not interrupted():
                # no cell ran: a kernel that could not bind its ports (another kernel took one between
                # jupyter_client choosing it and the kernel binding it) is not the notebook's fault
                print(f"{nb_path.name}: the kernel did not start ({type(outcome['error']).__name__}: "
                      f"{outcome['error']}); starting a fresh one", file=sys.stderr)
                nb = spare
                continue
            log.seek(0)
            _raise_failure(nb, nb_path, timeout, outcome, log.read().strip(), str(Path(folder).resolve()))
        return nb, time.perf_counter() - start


def _did_not_start(outcome: dict) -> bool:
    """The run failed before its first cell, for a reason of the kernel's own (not ours)."""
    exc = outcome.get("error")
    return outcome.get("index") is None and isinstance(exc, RuntimeError | TimeoutError) \
        and not isinstance(exc, ExecutionError)


def _execute(nb, timeout: int, env: dict, folder: str, log, outcome: dict) -> None:
    """nbclient's run (in a thread of its own); what happened goes into `outcome`."""
    from nbclient import NotebookClient

    def on_cell_execute(cell, cell_index):  # nbclient hook: remember where we are
        outcome["index"] = cell_index
        if interrupted():
            raise Interrupted("interrupted")

    def on_cell_executed(cell, cell_index, execute_reply):  # a print of 1 GB would become the page
        size = len(json.dumps(cell.get("outputs", [])))
        if size > MAX_CELL_OUTPUT:
            raise ExecutionError(f"{standalone.cell_label(nb, cell_index)} produced {size / 1e6:.0f} MB of output "
                                 f"(at most {MAX_CELL_OUTPUT / 1e6:.0f} MB: the page would carry it)")

    def on_notebook_start(notebook):  # the kernel runs: an interrupt now goes to its process group
        provisioner = client.km.provisioner
        outcome["process"] = getattr(provisioner, "process", None)
        _interrupts["kernel"] = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)

    client = NotebookClient(
        nb, timeout=timeout, allow_errors=False, kernel_name="python3",
        record_timing=True, on_cell_execute=on_cell_execute, on_cell_executed=on_cell_executed,
        on_notebook_start=on_notebook_start,
        # the kernel's own log (a "running over TCP without encryption" warning per notebook) is noise
        # here: the kernel only listens on localhost for this one client; errors still show
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        # "graceful" asks the kernel to shut itself down, and ipykernel 7.4 sometimes races its own
        # iopub socket doing so: a tornado "Socket operation on non-socket" traceback on stderr after
        # a run that succeeded. Every output has arrived by then (nbclient waits for each cell's idle
        # status) and the working folder is temporary, so SIGKILL to the kernel's process group is
        # all the cleanup a finished run needs, and it takes any child processes with it.
        shutdown_kernel="immediate",
    )
    try:
        client.execute(cwd=folder, env=env, stderr=log)
    except BaseException as exc:  # handed to the calling thread
        outcome["error"] = exc


def _raise_failure(nb, nb_path: Path, timeout: int, outcome: dict, log: str, folder: str) -> None:
    """Turn how the run ended into ExecutionError/Interrupted, or relay the kernel's stderr."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    exc, i = outcome.get("error"), outcome.get("index")
    where = standalone.cell_label(nb, i) if i is not None else "kernel start"
    source = f"\n--- {where} ---\n{nb.cells[i].source}" if i is not None else ""
    if interrupted():
        if exc is None:
            return  # finished before the interrupt reached it: a complete run
        raise Interrupted(f"{nb_path.name} stopped in {where} (not cached)")
    if exc is None:
        if log:
            print(f"{nb_path.name}: the kernel wrote to stderr:\n{log}", file=sys.stderr)
        return
    if isinstance(exc, ExecutionError):  # raised by a hook of _execute
        raise ExecutionError(f"{nb_path.name}: {exc}{source}") from None
    if isinstance(exc, CellTimeoutError):
        raise ExecutionError(f"{nb_path.name}: {where} exceeded the per-cell timeout of {timeout} s "
                             f"(NOTES_CELL_TIMEOUT){source}") from None
    if isinstance(exc, CellExecutionError) and i is not None:
        raise ExecutionError(f"{nb_path.name}: {where} failed: {error_text(nb.cells[i], folder)}{source}") from None
    tail = "\n".join(log.splitlines()[-20:])
    kernel_log = f"\nkernel stderr:\n{tail}" if tail else ""
    if isinstance(exc, DeadKernelError):
        raise ExecutionError(f"{nb_path.name}: kernel died during {where} ({_exit_status(outcome.get('process'))})"
                             f"{kernel_log}{source}") from None
    raise ExecutionError(f"{nb_path.name}: execution failed during {where}: "
                         f"{type(exc).__name__}: {exc}{kernel_log}") from None


def _exit_status(process) -> str:
    """How a dead kernel's process ended: an exit status, or the signal that killed it."""
    code = process.poll() if process is not None else None
    if code is None:
        return "exit status unknown"
    if code < 0:
        name = signal.Signals(-code).name
        return f"killed by {name}" + (": out of memory?" if name == "SIGKILL" else "")
    return f"exit status {code}"
