"""Content-addressed cache of executed notebooks.

A notebook's cache key hashes exactly what can change its outputs:
its code cells, the `snippets/` modules it imports (followed transitively),
the notebooks' runtime lock `requirements/runtime.txt` (not the tools' lock: a pytest or
ruff bump re-executes nothing), the execution profile (`NOTES_PROFILE`) and the CPU thread
count (`NOTES_THREADS`).
Markdown cells are *not* in the key: a prose edit re-executes nothing, and
`merge_outputs` grafts the cached outputs onto the current notebook.

An entry is a folder `<cache>/<key>/` holding `notebook.ipynb` (executed, in the
standalone form of notesbuild/standalone.py) and `record.json` (it carries the
notebook's sha256). `store` writes both into a temporary folder and renames the
whole folder into place, so an entry is complete or absent. An entry without a
record, with a record whose hash does not match, or whose notebook does not parse,
is corrupt: `load` moves it aside to `<cache>/../executions-corrupt/`, says so, and
reports a miss. `lock()` serialises executions between builds on one checkout.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from notesbuild import imports
from snippets.protocol import METADATA_KEY

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
RUNTIME_LOCK_PATH = "requirements/runtime.txt"  # what notebooks import; the tools' lock is not in the key
RUNTIME_LOCK = ROOT / RUNTIME_LOCK_PATH
CACHE_DIR = ROOT / ".cache" / "executions"
KEY_VERSION = "3"  # bump when the key's recipe or the executed form (notesbuild/standalone.py) changes
PROFILES = ("quick", "full")


class NotebookSourceError(Exception):
    """A notebook (or a snippet it imports) cannot be read or parsed."""


class SettingsError(ValueError):
    """A setting from the environment or the command line (NOTES_PROFILE, NOTES_THREADS,
    NOTES_CELL_TIMEOUT, --shard) that cannot be used; the message names it and what is expected."""


def profile() -> str:
    """The execution profile from NOTES_PROFILE (default quick); anything else is an error."""
    value = os.environ.get("NOTES_PROFILE", "quick")
    if value not in PROFILES:
        raise SettingsError(f"NOTES_PROFILE={value!r}: expected one of {PROFILES}")
    return value


def threads() -> str:
    """CPU threads of a kernel, NOTES_THREADS (default 1). Part of the key: on a CPU, reductions
    (matrix products, sums) add in an order that depends on the thread count, so the same notebook
    gives other numbers with other thread counts; one fixed count makes every build and test agree."""
    value = os.environ.get("NOTES_THREADS", "1")
    if not value.isdigit() or int(value) < 1:
        raise SettingsError(f"NOTES_THREADS={value!r}: expected a positive integer")
    return value


def read_notebook(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises several unrelated types
        raise NotebookSourceError(f"{path}: not a readable notebook ({exc})") from exc


def code_sources(nb: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "code"]


def snippet_imports(source: str, origin: str) -> set[str]:
    """Names of `snippets` modules imported by a piece of Python source (notesbuild/imports.py)."""
    try:
        return imports.snippet_modules(source)
    except SyntaxError as exc:
        raise NotebookSourceError(f"{origin}: syntax error at line {exc.lineno}: {exc.msg}") from exc


def snippet_closure(sources: list[str], origin: str, snippets_dir: Path | None = None) -> list[str]:
    """All snippet modules reached from `sources`, following imports between snippets."""
    snippets_dir = snippets_dir or SNIPPETS
    todo = set()
    for i, src in enumerate(sources):
        todo |= snippet_imports(src, f"{origin} (code cell {i + 1})")
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = snippets_dir / f"{name}.py"
        if not path.is_file():
            raise NotebookSourceError(f"{origin}: imports snippets.{name}, but {path} does not exist")
        seen.add(name)
        todo |= snippet_imports(path.read_text(encoding="utf-8"), str(path)) - seen
    return sorted(seen)


def cache_key(nb_path: Path, prof: str | None = None) -> str:
    """sha256 over code cells, imported snippets, the runtime lock, profile and thread count."""
    snippets_dir, runtime_lock = SNIPPETS, RUNTIME_LOCK
    nb = read_notebook(nb_path)
    sources = code_sources(nb)
    h = hashlib.sha256()

    def feed(label: str, text: str) -> None:
        data = text.encode("utf-8")
        h.update(f"{label}\0{len(data)}\0".encode())
        h.update(data)

    feed("key-version", KEY_VERSION)
    feed("profile", prof or profile())
    feed("threads", threads())
    for src in sources:
        feed("cell", src)
    for name in snippet_closure(sources, str(nb_path), snippets_dir):
        feed(f"snippet:{name}", (snippets_dir / f"{name}.py").read_text(encoding="utf-8"))
    feed("runtime-lock", runtime_lock.read_text(encoding="utf-8"))
    return h.hexdigest()


@dataclass
class Record:
    """What is known of one successful execution."""

    key: str
    notebook: str  # slug
    seconds: float
    profile: str
    executed_at: str
    sha256: str


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store(nb: nbformat.NotebookNode, record: Record) -> Path:
    """Write an executed notebook and its record into a new folder, then rename it into place."""
    entry = CACHE_DIR / record.key
    data = nbformat.writes(nb).encode("utf-8")
    record.sha256 = hashlib.sha256(data).hexdigest()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=CACHE_DIR, prefix=f".{record.key[:12]}."))
    try:
        _atomic_write(tmp / "notebook.ipynb", data)
        _atomic_write(tmp / "record.json", json.dumps(record.__dict__, indent=1).encode())
        if entry.exists() and read_entry(entry, record.key)[0] is not None:
            return entry  # another build stored the same execution first: keep it
        if entry.exists():
            _move_aside(entry, "unreadable, replaced by a new execution")
        os.replace(tmp, entry)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return entry


def read_entry(entry: Path, key: str) -> tuple[tuple[nbformat.NotebookNode, Record] | None, str]:
    """(the entry's notebook and record, "") or (None, why it is corrupt)."""
    try:
        record = Record(**json.loads((entry / "record.json").read_text(encoding="utf-8")))
        data = (entry / "notebook.ipynb").read_bytes()
        if record.key != key or hashlib.sha256(data).hexdigest() != record.sha256:
            raise ValueError("its notebook does not match the hash in its record")
        return (nbformat.reads(data.decode("utf-8"), as_version=4), record), ""
    except Exception as exc:  # missing file, bad JSON, bad notebook: all mean "corrupt"
        return None, f"{type(exc).__name__}: {exc}"


def _move_aside(entry: Path, reason: str) -> None:
    """Keep a bad entry for inspection instead of deleting it, and say so."""
    target = CACHE_DIR.parent / f"{CACHE_DIR.name}-corrupt" / f"{entry.name}.{time.strftime('%Y%m%dT%H%M%S')}"
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(entry, target)
    except OSError:
        return  # gone already (another build moved it)
    print(f"cache entry {entry.name[:12]} repaired: {reason}; moved to {target}", file=sys.stderr)


def load(key: str) -> tuple[nbformat.NotebookNode, Record] | None:
    """The cached execution for `key`, or None. A corrupt entry is moved aside (and is a miss)."""
    entry = CACHE_DIR / key
    if not entry.exists():
        return None
    loaded, why = read_entry(entry, key)
    if loaded is None:
        _move_aside(entry, f"corrupt ({why}), the notebook is executed again")
    return loaded


@contextlib.contextmanager
def lock():
    """Hold the execution lock of this cache: a second build on the same checkout (`make serve`
    beside `make site`) waits here, then finds what the first one executed in the cache."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR.parent / f"{CACHE_DIR.name}.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("another build is executing notebooks on this checkout; waiting for it", file=sys.stderr)
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def merge_outputs(source: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The current notebook (prose included) with the outputs of a cached execution.

    Code cells match one to one because the cache key covers them.
    """
    merged = nbformat.from_dict(json.loads(json.dumps(source)))
    done = [c for c in executed.cells if c.cell_type == "code"]
    todo = [c for c in merged.cells if c.cell_type == "code"]
    if [c.source for c in done] != [c.source for c in todo]:
        raise NotebookSourceError("cached execution does not match the notebook's code cells")
    for cell, ran in zip(todo, done, strict=True):
        cell.outputs = ran.outputs
        cell.execution_count = ran.execution_count
    if METADATA_KEY in executed.metadata:  # the reproducibility stamp (notesbuild.execute.stamp)
        merged.metadata[METADATA_KEY] = executed.metadata[METADATA_KEY]
    return merged
