"""Execute notebooks with nbclient, in parallel, into the content-addressed cache.

    python -m notesbuild.execute [SLUG ...] [--jobs N] [--timeout S] [--require-cached] [--shard I/N] [--write DIR]
    python -m notesbuild.execute --accept DIR     (a CI shard's cache entries, verified)

For each notebook it prints one line (name, executed or cached, seconds) and
ends with `notebooks: executed=N cached=M`. A failing cell or a cell past its
timeout stops the run with the notebook, the cell number and the exception.
Only successful executions are cached. The site build (notesbuild/hooks/)
calls `ensure_executed` itself, so `mkdocs build` alone is enough. Ctrl-C
interrupts the running cells and ends with "interrupted" (exit status 130 here).

What runs is the notebook's standalone form (notesbuild/standalone.py), in an
empty temporary folder with this repository off the kernel's path and only the
runtime packages importable by its code (notesbuild/kernel.py runs one notebook),
so every execution also proves that the downloadable notebook runs on its own.
Each executed notebook carries a reproducibility stamp in its metadata (`stamp`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nbformat

from notesbuild import cache, gitdates, standalone, workers
from notesbuild.kernel import ExecutionError, Interrupted, kernel_env, run_notebook  # noqa: F401 (the API)
from snippets.protocol import METADATA_KEY, STAMP_MIME  # STAMP_MIME: shown by snippets/runtime.py setup()

NOTEBOOKS = cache.ROOT / "notebooks"


def cell_timeout() -> int:
    """Seconds a cell may run: NOTES_CELL_TIMEOUT (default 600)."""
    value = os.environ.get("NOTES_CELL_TIMEOUT", "600")
    if not value.isdigit() or int(value) < 1:
        raise cache.SettingsError(f"NOTES_CELL_TIMEOUT={value!r}: expected a whole number of seconds, e.g. 600")
    return int(value)


@dataclass
class Result:
    slug: str
    status: str  # "executed" | "cached"
    seconds: float
    notebook: nbformat.NotebookNode  # current source with the executed outputs
    download: nbformat.NotebookNode  # its standalone form with the same outputs (what readers download)


def all_slugs(nb_dir: Path | None = None) -> list[str]:
    return sorted(p.stem for p in (nb_dir or NOTEBOOKS).glob("*.ipynb"))


def shard(slugs: list[str], spec: str) -> list[str]:
    """The slugs of shard I of N (spec "I/N", 1-based), round-robin over the sorted slugs."""
    try:
        i, n = (int(x) for x in spec.split("/"))
    except ValueError:
        raise cache.SettingsError(f"--shard {spec!r}: expected I/N, e.g. 2/4") from None
    if not 1 <= i <= n:
        raise cache.SettingsError(f"--shard {spec!r}: need 1 <= I <= N")
    return sorted(slugs)[i - 1::n]


def commit_of(slug: str) -> str:
    """HEAD's short hash, with "+changes" when the files behind this notebook's outputs differ from it;
    "unknown (…)" saying why when there is none: no git checkout, or git failed (also printed)."""
    inputs = [f"notebooks/{slug}.ipynb", "snippets", cache.RUNTIME_LOCK_PATH]
    try:
        head = gitdates.git(cache.ROOT, "rev-parse", "--short=12", "HEAD")
        if head is None:
            return "unknown (not a git checkout)"
        changed = gitdates.git(cache.ROOT, "status", "--porcelain", "--", *inputs) or ""
    except gitdates.GitError as exc:
        print(f"{slug}.ipynb: the stamp names no commit: {exc}", file=sys.stderr)
        return f"unknown (git failed: {exc})"
    return head.strip() + ("+changes" if changed.strip() else "")


def stamp(nb: nbformat.NotebookNode, slug: str, seconds: float, prof: str) -> dict:
    """Put the reproducibility stamp into nb.metadata[METADATA_KEY]["stamp"] and return it.

    Device, versions and seed come from the kernel (snippets.runtime.setup shows them);
    commit, date, profile and run time from here.
    """
    shown = next((out["data"][STAMP_MIME] for cell in nb.cells if cell.cell_type == "code"
                  for out in cell.get("outputs", []) if STAMP_MIME in out.get("data", {})), None)
    if shown is None:
        raise ExecutionError(f"{slug}.ipynb: ran without calling snippets.runtime.setup(), so it has no stamp")
    info = {"commit": commit_of(slug), "executed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(seconds, 2), **shown, "profile": prof}
    nb.metadata.setdefault(METADATA_KEY, {})["stamp"] = info
    return info


def record_for(nb: nbformat.NotebookNode, key: str, slug: str) -> cache.Record:
    meta = nb.metadata[METADATA_KEY]["stamp"]
    return cache.Record(key=key, notebook=slug, seconds=meta["seconds"], profile=meta["profile"],
                        executed_at=meta["executed_at"], sha256="")


def finish(nb: nbformat.NotebookNode, slug: str, seconds: float, key: str, prof: str) -> None:
    """After a successful run (in a build worker, or by nbmake): stamp the notebook, store it in the cache."""
    stamp(nb, slug, seconds, prof)
    cache.store(nb, record_for(nb, key, slug))  # whole or not at all (cache.store); SIGINT cannot cut it


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
                 timeout, env) for s in missing]
        log(f"executing {len(missing)} notebook(s) with {jobs} worker(s), profile {prof}")
        # Spawned workers import notesbuild with the parent's sys.path (multiprocessing copies it, and
        # it overrides PYTHONPATH). The repo is not installed and mkdocs drops what its hook files add
        # to sys.path, so put the repo back. Kernels never get it (kernel_env).
        if str(cache.ROOT) not in sys.path:
            sys.path.append(str(cache.ROOT))
        errors = workers.run_pool(work, jobs, log, finish)
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
                    require_cached: bool = False, log=print, nb_dir: Path | None = None) -> dict[str, Result]:
    """Execute what the cache lacks (in parallel) and return every notebook with its outputs."""
    nb_dir = nb_dir or NOTEBOOKS
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
    try:
        with workers.sigterm_as_interrupt(), cache.lock():  # a second build waits, then finds these cached
            missing = [slug for slug in slugs if cache.load(keys[slug]) is None]
            errors = _execute_missing(missing, keys, nb_dir, jobs, timeout, prof, require_cached, log)
    except KeyboardInterrupt as exc:  # outside the workers' run (waiting for the lock, starting them)
        raise Interrupted(f"interrupted ({workers.signal_name(exc)}); executions that finished are cached, "
                          "nothing else") from None
    except OSError as exc:  # the cache folder cannot be made or read
        raise ExecutionError(f"notebook execution failed: {exc}") from None
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


def accept(folder: Path, nb_dir: Path | None = None, log=print) -> int:
    """Copy into the cache the entries under `folder` (a shard's upload) that are executions of the
    current notebooks: an entry is taken only under a key computed here from the notebooks, if it
    verifies (cache.load) and its code cells are exactly this notebook's standalone form. Raises
    ExecutionError naming each entry refused; returns how many were accepted."""
    nb_dir = nb_dir or NOTEBOOKS
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
    except (ExecutionError, cache.NotebookSourceError, cache.SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 130 if isinstance(exc, Interrupted) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
