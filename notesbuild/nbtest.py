"""Run the notebooks as pytest tests with nbmake, and keep those executions for the site.

`make test` executes every notebook once: nbmake runs each notebook that has no
cached execution (as a test, in parallel with pytest-xdist), and this plugin
stores every passing run in the execution cache, so the site build that follows
executes nothing (it runs with NOTES_REQUIRE_CACHED=1 to prove it).

    python -m notesbuild.nbtest stage          # standalone copies of uncached notebooks
    pytest -p notesbuild.nbtest --nbmake --overwrite tests .cache/nbtest

What nbmake runs is each notebook's standalone form (notesbuild/standalone.py),
alone in an empty folder `.cache/nbtest/<slug>/`, with this repository off the
kernel's path and the runtime-package import guard installed (the environment of
notesbuild/kernel.py, IPYTHONDIR included): the test of a notebook is also the
test of its download. nbmake runs a copy, not the source, because --overwrite
writes the outputs back.
"""

from __future__ import annotations

import os
import shutil
import sys
from datetime import datetime
from pathlib import Path

import nbformat

from notesbuild import cache, execute, standalone

STAGE = cache.ROOT / ".cache" / "nbtest"


def stage(dest: Path = STAGE) -> list[Path]:
    """Write the standalone form of every notebook without a cached execution to
    `dest/<slug>/<slug>.ipynb` (dest emptied first), each in a folder of its own."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    prof = cache.profile()
    staged = []
    for slug in execute.all_slugs():
        src = execute.NOTEBOOKS / f"{slug}.ipynb"
        if cache.load(cache.cache_key(src, prof)) is None:
            path = dest / slug / src.name
            path.parent.mkdir()
            nbformat.write(standalone.standalone_of(src), str(path))
            staged.append(path)
    print(f"notebooks: staged={len(staged)} cached={len(execute.all_slugs()) - len(staged)} (profile {prof})")
    return staged


def _seconds(nb) -> float:
    """Wall time from the first cell's start to the last cell's reply (nbclient's record_timing)."""
    starts, ends = [], []
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            starts.append(datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00")))
            ends.append(datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00")))
    return (max(ends) - min(starts)).total_seconds() if starts else 0.0


def ingest(executed_path: Path) -> None:
    """Store a notebook that nbmake executed (and that passed) under its source's cache key."""
    source = execute.NOTEBOOKS / executed_path.name
    nb = cache.read_notebook(executed_path)
    expected = standalone.standalone_of(source)
    if cache.code_sources(nb) != cache.code_sources(expected):
        raise RuntimeError(f"{executed_path}: code differs from {source} and snippets/; "
                           "they changed during the test run")
    seconds = _seconds(nb)
    prof = cache.profile()
    execute.finish(nb, source.stem, seconds, cache.cache_key(source, prof), prof)
    print(f"  {source.stem:<24} executed {seconds:7.1f} s (nbmake)")


# ---------------------------------------------------------------- pytest plugin

_passed: list[Path] = []


def pytest_configure(config):
    os.environ.update(execute.kernel_env(cache.profile()))


def pytest_runtest_logreport(report):
    path = Path(report.nodeid.split("::")[0])
    if report.when == "call" and report.passed and path.suffix == ".ipynb":
        _passed.append(path if path.is_absolute() else Path.cwd() / path)


def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput"):  # xdist worker: the controller ingests
        return
    staged = [p for p in _passed if p.resolve().parent.parent == STAGE.resolve()]
    if staged:
        print(f"\ncaching {len(staged)} notebook execution(s) for the site build:")
    for path in staged:
        ingest(path)


if __name__ == "__main__":
    if sys.argv[1:] != ["stage"]:
        sys.exit("usage: python -m notesbuild.nbtest stage")
    stage()
