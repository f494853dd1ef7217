"""Execute notebooks with nbclient, in parallel, into the content-addressed cache.

    python -m notesbuild.execute [SLUG ...] [--jobs N] [--timeout S] [--require-cached] [--shard I/N] [--write DIR]
    python -m notesbuild.execute --accept DIR     (a CI shard's cache entries, verified)

For each notebook it prints one line (name, executed or cached, seconds) and
ends with `notebooks: executed=N cached=M`. A failing cell or a cell past its
timeout stops the run with the notebook, the cell number and the exception.
Only successful executions are cached. The site build (notesbuild/hooks.py)
calls `ensure_executed` itself, so `mkdocs build` alone is enough.

What runs is the notebook's standalone form (notesbuild/standalone.py), in an
empty temporary folder with this repository off the kernel's path, so every
execution also proves that the downloadable notebook runs on its own. Each
executed notebook carries a reproducibility stamp in its metadata (`stamp`).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from notesbuild import cache, gitdates, standalone

NOTEBOOKS = cache.ROOT / "notebooks"


def cell_timeout() -> int:
    """Seconds a cell may run: NOTES_CELL_TIMEOUT (default 600)."""
    value = os.environ.get("NOTES_CELL_TIMEOUT", "600")
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"NOTES_CELL_TIMEOUT={value!r}: expected a whole number of seconds, e.g. 600")
    return int(value)
STAMP_MIME = "application/vnd.mlnotes.stamp+json"  # shown by snippets/runtime.py setup()


class ExecutionError(Exception):
    """A notebook failed: the message names the notebook, the cell and the cause."""


@dataclass
class Result:
    slug: str
    status: str  # "executed" | "cached"
    seconds: float
    notebook: nbformat.NotebookNode  # current source with the executed outputs
    download: nbformat.NotebookNode  # its standalone form with the same outputs (what readers download)


def all_slugs(nb_dir: Path = NOTEBOOKS) -> list[str]:
    return sorted(p.stem for p in nb_dir.glob("*.ipynb"))


def shard(slugs: list[str], spec: str) -> list[str]:
    """The slugs of shard I of N (spec "I/N", 1-based), round-robin over the sorted slugs."""
    try:
        i, n = (int(x) for x in spec.split("/"))
    except ValueError:
        raise ValueError(f"--shard {spec!r}: expected I/N, e.g. 2/4") from None
    if not 1 <= i <= n:
        raise ValueError(f"--shard {spec!r}: need 1 <= I <= N")
    return sorted(slugs)[i - 1::n]


def _error_text(cell: nbformat.NotebookNode) -> str:
    outputs = cell.get("outputs", [])
    for out in outputs:
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr").strip()
    return stderr.splitlines()[-1] if stderr else "unknown error (no traceback in the outputs)"


def kernel_env(prof: str) -> dict[str, str]:
    """Environment of a kernel: the profile, the thread count of the cache key (not a share of the
    cores: results would depend on how many notebooks run at once), and this repository off the
    path (the standalone notebook writes the snippets it needs next to itself)."""
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
    return env


def run_notebook(nb: nbformat.NotebookNode, nb_path: Path, timeout: int,
                 env: dict[str, str]) -> tuple[nbformat.NotebookNode, float]:
    """Execute `nb`, the standalone form of `nb_path`, in a fresh kernel, in an empty folder.

    Raises ExecutionError naming the cell (numbered as in the source notebook) on failure.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    current = {"index": None}

    def on_cell_execute(cell, cell_index):  # nbclient hook: remember where we are
        current["index"] = cell_index

    client = NotebookClient(
        nb, timeout=timeout, allow_errors=False, kernel_name="python3",
        record_timing=True, on_cell_execute=on_cell_execute,
        # the kernel's own log (a "running over TCP without encryption" warning per notebook) is noise
        # here: the kernel only listens on localhost for this one client; errors still show
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
    )
    start = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix=f"mlnotes-{nb_path.stem}-") as folder:
            client.execute(cwd=folder, env=env)
    except CellTimeoutError:
        where = standalone.cell_label(nb, current["index"])
        raise ExecutionError(
            f"{nb_path.name}: {where} exceeded the per-cell timeout of {timeout} s "
            f"(NOTES_CELL_TIMEOUT)\n--- {where} ---\n{nb.cells[current['index']].source}") from None
    except CellExecutionError:
        i = current["index"]
        where = standalone.cell_label(nb, i)
        raise ExecutionError(
            f"{nb_path.name}: {where} failed: {_error_text(nb.cells[i])}\n"
            f"--- {where} ---\n{nb.cells[i].source}") from None
    except DeadKernelError as exc:
        i = current["index"]
        where = standalone.cell_label(nb, i) if i is not None else "kernel start"
        raise ExecutionError(f"{nb_path.name}: kernel died during {where}: {exc}") from None
    return nb, time.perf_counter() - start


def commit_of(slug: str) -> str:
    """HEAD's short hash, with "+changes" when the files behind this notebook's outputs differ from it."""
    head = (gitdates.git(cache.ROOT, "rev-parse", "--short=12", "HEAD") or "").strip()
    if not head:
        return "unknown (not a git checkout)"
    inputs = [f"notebooks/{slug}.ipynb", "snippets", "requirements.txt"]
    changed = (gitdates.git(cache.ROOT, "status", "--porcelain", "--", *inputs) or "").strip()
    return head + ("+changes" if changed else "")


def stamp(nb: nbformat.NotebookNode, slug: str, seconds: float, prof: str) -> dict:
    """Put the reproducibility stamp into nb.metadata["mlnotes"]["stamp"] and return it.

    Device, versions and seed come from the kernel (snippets.runtime.setup shows them);
    commit, date, profile and run time from here.
    """
    kernel = next((out["data"][STAMP_MIME] for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []) if STAMP_MIME in out.get("data", {})), None)
    if kernel is None:
        raise ExecutionError(f"{slug}.ipynb: ran without calling snippets.runtime.setup(), so it has no stamp")
    info = {"commit": commit_of(slug), "executed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(seconds, 2), **kernel, "profile": prof}
    nb.metadata.setdefault("mlnotes", {})["stamp"] = info
    return info


def _execute_one(args: tuple[str, str, str, str, int, dict[str, str], str]):
    """Worker: run and store one notebook. Returns (slug, seconds, None) or (slug, None, error message)."""
    slug, path, text, key, timeout, env, cache_dir = args
    cache.CACHE_DIR = Path(cache_dir)  # a spawned worker starts from the module's defaults
    try:
        nb, seconds = run_notebook(nbformat.reads(text, as_version=4), Path(path), timeout, env)
    except ExecutionError as exc:
        return slug, None, str(exc)
    except Exception as exc:  # tooling failure (kernel missing, unreadable file): still name the notebook
        return slug, None, f"{Path(path).name}: execution failed before any cell ran: {type(exc).__name__}: {exc}"
    try:
        stamp(nb, slug, seconds, env["NOTES_PROFILE"])
    except ExecutionError as exc:
        return slug, None, str(exc)
    cache.store(nb, record_for(nb, key, slug))
    return slug, seconds, None


def record_for(nb: nbformat.NotebookNode, key: str, slug: str) -> cache.Record:
    meta = nb.metadata["mlnotes"]["stamp"]
    return cache.Record(key=key, notebook=slug, seconds=meta["seconds"], profile=meta["profile"],
                        executed_at=meta["executed_at"], sha256="")


def _execute_missing(missing: list[str], keys: dict, nb_dir: Path, jobs: int | None, timeout: int, prof: str,
                     require_cached: bool, log) -> list[str]:
    """Execute the notebooks the cache lacks, in parallel workers; returns the error messages."""
    if missing and require_cached:
        raise ExecutionError(
            f"NOTES_REQUIRE_CACHED is set but these notebooks have no cached execution for their "
            f"current code and profile {prof!r}: {', '.join(missing)}")

    errors: list[str] = []
    if missing:
        jobs = max(1, min(jobs or os.cpu_count() or 1, len(missing)))
        env = kernel_env(prof)
        work = [(s, str(nb_dir / f"{s}.ipynb"), nbformat.writes(standalone.standalone_of(nb_dir / f"{s}.ipynb")), keys[s],
                 timeout, env, str(cache.CACHE_DIR)) for s in missing]
        log(f"executing {len(missing)} notebook(s) with {jobs} worker(s), profile {prof}")
        # Spawned workers import notesbuild with the parent's sys.path (multiprocessing copies it, and
        # it overrides PYTHONPATH). The repo is not installed and mkdocs drops what its hook files add
        # to sys.path, so put the repo back. Kernels never get it (kernel_env).
        if str(cache.ROOT) not in sys.path:
            sys.path.append(str(cache.ROOT))
        # spawn, not fork: the caller may be `mkdocs serve` with threads running
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            for slug, seconds, err in pool.map(_execute_one, work):
                if err:
                    errors.append(err)
                    log(f"  {slug:<24} FAILED")
                else:
                    log(f"  {slug:<24} executed {seconds:7.1f} s")
    return errors


def _remove_stale_folders(max_age_s: float = 86400) -> None:
    """Folders a killed build left in the temporary directory (`mlnotes-<slug>-*`, where kernels run):
    remove those a day old, so they do not pile up on a persistent runner."""
    for folder in Path(tempfile.gettempdir()).glob("mlnotes-*"):
        try:
            if folder.is_dir() and time.time() - folder.stat().st_mtime > max_age_s:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def ensure_executed(slugs: list[str] | None = None, *, jobs: int | None = None, timeout: int | None = None,
                    require_cached: bool = False, log=print, nb_dir: Path = NOTEBOOKS) -> dict[str, Result]:
    """Execute what the cache lacks (in parallel) and return every notebook with its outputs."""
    slugs = slugs if slugs is not None else all_slugs(nb_dir)
    timeout = timeout or cell_timeout()
    require_cached = require_cached or os.environ.get("NOTES_REQUIRE_CACHED") == "1"
    prof = cache.profile()
    keys = {}
    for slug in slugs:
        path = nb_dir / f"{slug}.ipynb"
        if not path.is_file():
            raise ExecutionError(f"notebook {path} does not exist")
        keys[slug] = cache.cache_key(path, prof)
    _remove_stale_folders()
    with cache.lock():  # a second build on this checkout waits, then finds these executions cached
        missing = [slug for slug in slugs if cache.load(keys[slug]) is None]
        errors = _execute_missing(missing, keys, nb_dir, jobs, timeout, prof, require_cached, log)
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
        source = cache.read_notebook(nb_dir / f"{slug}.ipynb")
        merged = cache.merge_outputs(source, standalone.strip_inlined(executed))
        download = cache.merge_outputs(standalone.standalone_of(nb_dir / f"{slug}.ipynb"), executed)
        results[slug] = Result(slug, status, record.seconds, merged, download)
    log(f"notebooks: executed={len(missing)} cached={len(slugs) - len(missing)}")
    return results


def accept(folder: Path, nb_dir: Path = NOTEBOOKS, log=print) -> int:
    """Copy into the cache the entries under `folder` (a shard's upload) that are executions of the
    current notebooks: an entry is taken only under a key computed here from the notebooks, if it
    verifies (cache.load) and its code cells are exactly this notebook's standalone form. Raises
    ExecutionError naming each entry refused; returns how many were accepted."""
    prof = cache.profile()
    expected = {cache.cache_key(nb_dir / f"{s}.ipynb", prof): s for s in all_slugs(nb_dir)}
    refused, accepted = [], 0
    for entry in sorted(p for p in Path(folder).iterdir() if p.is_dir()) if Path(folder).is_dir() else []:
        slug = expected.get(entry.name)
        if slug is None:
            refused.append(f"{entry.name}: no current notebook has this key (profile {prof})")
            continue
        loaded, _ = cache.read_entry(entry, entry.name)
        source = [c.source for c in standalone.standalone_of(nb_dir / f"{slug}.ipynb").cells if c.cell_type == "code"]
        if loaded is None or [c.source for c in loaded[0].cells if c.cell_type == "code"] != source:
            refused.append(f"{entry.name} ({slug}): does not verify, or its code is not the notebook's")
            continue
        cache.store(loaded[0], loaded[1])
        accepted += 1
        log(f"  accepted {slug} ({entry.name[:12]})")
    if refused:
        raise ExecutionError("refused cache entries:\n  " + "\n  ".join(refused))
    return accepted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="notebooks to execute (default: all)")
    parser.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: CPU count)")
    parser.add_argument("--timeout", type=int, default=None, help="per-cell timeout in seconds (NOTES_CELL_TIMEOUT)")
    parser.add_argument("--require-cached", action="store_true", help="fail instead of executing")
    parser.add_argument("--shard", metavar="I/N", help="only shard I of N of the notebooks (for a CI matrix)")
    parser.add_argument("--accept", metavar="DIR", type=Path,
                        help="only take into the cache the verified executions of the current notebooks found in DIR")
    parser.add_argument("--write", metavar="DIR", type=Path,
                        help="also write each executed notebook (with outputs) to DIR/<slug>.ipynb, to read or open")
    args = parser.parse_args(argv)
    try:
        if args.accept:
            print(f"accepted {accept(args.accept)} cache entries from {args.accept}")
            return 0
        slugs = args.slugs or None
        if args.shard:
            slugs = shard(slugs or all_slugs(), args.shard)
            print(f"shard {args.shard}: {', '.join(slugs) or '(no notebooks)'}")
        results = ensure_executed(slugs, jobs=args.jobs, timeout=args.timeout, require_cached=args.require_cached)
        if args.write:
            args.write.mkdir(parents=True, exist_ok=True)
            for slug, result in results.items():
                nbformat.write(result.notebook, str(args.write / f"{slug}.ipynb"))
    except (ExecutionError, cache.NotebookSourceError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
