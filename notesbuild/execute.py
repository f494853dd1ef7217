"""Execute notebooks with nbclient, in parallel, into the content-addressed cache.

    python -m notesbuild.execute [SLUG ...] [--jobs N] [--timeout S] [--require-cached]

For each notebook it prints one line (name, executed or cached, seconds) and
ends with `notebooks: executed=N cached=M`. A failing cell or a cell past its
timeout stops the run with the notebook, the cell number and the exception.
Only successful executions are cached. The site build (notesbuild/hooks.py)
calls `ensure_executed` itself, so `mkdocs build` alone is enough.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from notesbuild import cache

NOTEBOOKS = cache.ROOT / "notebooks"
DEFAULT_TIMEOUT = int(os.environ.get("NOTES_CELL_TIMEOUT", "600"))


class ExecutionError(Exception):
    """A notebook failed: the message names the notebook, the cell and the cause."""


@dataclass
class Result:
    slug: str
    status: str  # "executed" | "cached"
    seconds: float
    notebook: nbformat.NotebookNode  # current source with the executed outputs


def all_slugs(nb_dir: Path = NOTEBOOKS) -> list[str]:
    return sorted(p.stem for p in nb_dir.glob("*.ipynb"))


def _error_text(cell: nbformat.NotebookNode) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"
    return "unknown error"


def kernel_env(jobs: int, prof: str) -> dict[str, str]:
    """Environment of a kernel: the profile, a thread share of the cores, the repo importable."""
    env = dict(os.environ)
    env["NOTES_PROFILE"] = prof
    env.setdefault("NOTES_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, jobs))))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(cache.SNIPPETS.parent), env.get("PYTHONPATH")]))
    env["PYTHONHASHSEED"] = "0"
    # OpenMP threads that spin while waiting slow small torch loops badly on a busy 2-core machine
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    env.pop("MPLBACKEND", None)  # the kernel's inline backend, so figures become outputs
    return env


def run_notebook(nb_path: Path, timeout: int, env: dict[str, str]) -> tuple[nbformat.NotebookNode, float]:
    """Execute one notebook in a fresh kernel; raise ExecutionError naming the cell on failure."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = cache.read_notebook(nb_path)
    current = {"index": None}

    def on_cell_execute(cell, cell_index):  # nbclient hook: remember where we are
        current["index"] = cell_index

    client = NotebookClient(
        nb, timeout=timeout, allow_errors=False, kernel_name="python3",
        record_timing=True, on_cell_execute=on_cell_execute,
    )
    start = time.perf_counter()
    try:
        client.execute(cwd=str(nb_path.parent), env=env)
    except CellTimeoutError:
        i = current["index"]
        raise ExecutionError(
            f"{nb_path.name}: cell {i + 1} exceeded the per-cell timeout of {timeout} s "
            f"(NOTES_CELL_TIMEOUT)\n--- cell {i + 1} ---\n{nb.cells[i].source}") from None
    except CellExecutionError:
        i = current["index"]
        raise ExecutionError(
            f"{nb_path.name}: cell {i + 1} failed: {_error_text(nb.cells[i])}\n"
            f"--- cell {i + 1} ---\n{nb.cells[i].source}") from None
    except DeadKernelError as exc:
        i = current["index"]
        where = f"cell {i + 1}" if i is not None else "kernel start"
        raise ExecutionError(f"{nb_path.name}: kernel died during {where}: {exc}") from None
    return nb, time.perf_counter() - start


def _execute_one(args: tuple[str, str, str, int, dict[str, str], str]):
    """Worker: run and store one notebook. Returns (slug, seconds, None) or (slug, None, error message)."""
    slug, path, key, timeout, env, cache_dir = args
    cache.CACHE_DIR = Path(cache_dir)  # a spawned worker starts from the module's defaults
    try:
        nb, seconds = run_notebook(Path(path), timeout, env)
    except ExecutionError as exc:
        return slug, None, str(exc)
    except Exception as exc:  # tooling failure (kernel missing, unreadable file): still name the notebook
        return slug, None, f"{Path(path).name}: execution failed before any cell ran: {type(exc).__name__}: {exc}"
    nb.metadata["notes_execution"] = {"seconds": round(seconds, 2), "profile": env["NOTES_PROFILE"],
                                      "executed_at": datetime.now(UTC).isoformat(timespec="seconds")}
    cache.store(nb, record_for(nb, key, slug))
    return slug, seconds, None


def record_for(nb: nbformat.NotebookNode, key: str, slug: str) -> cache.Record:
    meta = nb.metadata["notes_execution"]
    return cache.Record(key=key, notebook=slug, seconds=meta["seconds"], profile=meta["profile"],
                        executed_at=meta["executed_at"], sha256="")


def ensure_executed(slugs: list[str] | None = None, *, jobs: int | None = None, timeout: int = DEFAULT_TIMEOUT,
                    require_cached: bool = False, log=print, nb_dir: Path = NOTEBOOKS) -> dict[str, Result]:
    """Execute what the cache lacks (in parallel) and return every notebook with its outputs."""
    slugs = slugs if slugs is not None else all_slugs(nb_dir)
    require_cached = require_cached or os.environ.get("NOTES_REQUIRE_CACHED") == "1"
    prof = cache.profile()
    keys, missing = {}, []
    for slug in slugs:
        path = nb_dir / f"{slug}.ipynb"
        if not path.is_file():
            raise ExecutionError(f"notebook {path} does not exist")
        keys[slug] = cache.cache_key(path, prof)
        if cache.load(keys[slug]) is None:
            missing.append(slug)

    if missing and require_cached:
        raise ExecutionError(
            f"NOTES_REQUIRE_CACHED is set but these notebooks have no cached execution for their "
            f"current code and profile {prof!r}: {', '.join(missing)}")

    errors = []
    if missing:
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(missing)))
        env = kernel_env(jobs, prof)
        work = [(s, str(nb_dir / f"{s}.ipynb"), keys[s], timeout, env, str(cache.CACHE_DIR)) for s in missing]
        log(f"executing {len(missing)} notebook(s) with {jobs} worker(s), profile {prof}")
        # spawn, not fork: the caller may be `mkdocs serve` with threads running
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            for slug, seconds, err in pool.map(_execute_one, work):
                if err:
                    errors.append(err)
                    log(f"  {slug:<24} FAILED")
                else:
                    log(f"  {slug:<24} executed {seconds:7.1f} s")
    if errors:
        raise ExecutionError("notebook execution failed:\n" + "\n\n".join(errors))

    results = {}
    for slug in slugs:
        loaded = cache.load(keys[slug])
        if loaded is None:
            raise ExecutionError(f"{slug}: cache entry vanished right after execution")
        executed, record = loaded
        status = "executed" if slug in missing else "cached"
        if status == "cached":
            log(f"  {slug:<24} cached   {record.seconds:7.1f} s (when executed)")
        merged = cache.merge_outputs(cache.read_notebook(nb_dir / f"{slug}.ipynb"), executed)
        results[slug] = Result(slug, status, record.seconds, merged)
    log(f"notebooks: executed={len(missing)} cached={len(slugs) - len(missing)}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="notebooks to execute (default: all)")
    parser.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: CPU count)")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="per-cell timeout in seconds")
    parser.add_argument("--require-cached", action="store_true", help="fail instead of executing")
    args = parser.parse_args(argv)
    try:
        ensure_executed(args.slugs or None, jobs=args.jobs, timeout=args.timeout,
                        require_cached=args.require_cached)
    except (ExecutionError, cache.NotebookSourceError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
