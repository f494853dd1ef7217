"""The two locks (requirements/): the execution cache key reads the runtime lock and nothing else,
the locks agree with their inputs and with each other, and the runtime lock holds what notebooks import."""

import importlib.metadata
import re
import shutil
import sys

import pytest

from notesbuild import cache, execute, standalone
from tests.test_notebook_policy import imported_roots

REQ = cache.ROOT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path) -> dict[str, str]:
    """{package: version} of a requirements file; in a lock every pin must carry a hash."""
    found, text = {}, path.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=\S)", text):
        m = PIN.match(block)
        if m:
            if path.suffix == ".txt":
                assert "--hash=sha256:" in block, f"{path.name}: {m[1]} has no hash"
            found[normal(m[1])] = m[2]
    return found


def slugs() -> list[str]:
    return sorted(p.stem for p in execute.NOTEBOOKS.glob("*.ipynb"))


def test_tools_pin_change_reexecutes_nothing_runtime_change_everything(tmp_path, monkeypatch):
    copy = shutil.copytree(REQ, tmp_path / "requirements")
    monkeypatch.setattr(cache, "RUNTIME_LOCK", copy / "runtime.txt")
    notebooks = [execute.NOTEBOOKS / f"{slug}.ipynb" for slug in slugs()]
    keys = {nb: cache.cache_key(nb, "quick") for nb in notebooks}
    assert len(set(keys.values())) == len(notebooks) >= 6

    tools, runtime = pins(copy / "tools.txt"), pins(copy / "runtime.txt")
    tools_only = sorted(set(tools) - set(runtime))
    assert "pytest" in tools_only and "ruff" in tools_only and "playwright" in tools_only
    text = (copy / "tools.txt").read_text(encoding="utf-8")
    for name in tools_only:  # bump every tools-only pin
        text = re.sub(rf"(?im)^({re.escape(name)}==)(\S+)", r"\g<1>\g<2>.post1", text)
    (copy / "tools.txt").write_text(text, encoding="utf-8")
    assert pins(copy / "tools.txt")["pytest"] == tools["pytest"] + ".post1"
    reexecuted = [nb.stem for nb in notebooks if cache.cache_key(nb, "quick") != keys[nb]]
    assert reexecuted == []

    # negative control: one runtime pin moves, every notebook is executed again
    lock = copy / "runtime.txt"
    lock.write_text(lock.read_text(encoding="utf-8").replace(
        f"numpy=={runtime['numpy']}", f"numpy=={runtime['numpy']}.post1"), encoding="utf-8")
    reexecuted = [nb.stem for nb in notebooks if cache.cache_key(nb, "quick") != keys[nb]]
    assert reexecuted == [nb.stem for nb in notebooks]


def test_locks_pin_their_inputs():
    """Every pin of a .in file is in its lock at that version: `make lock` was run after the edit."""
    for name in ("runtime", "tools", "uv"):
        wanted, locked = pins(REQ / f"{name}.in"), pins(REQ / f"{name}.txt")
        for package, version in wanted.items():
            got = locked.get(package)
            if name == "runtime" and package == "torch":
                assert got == f"{version}+cpu", f"runtime.txt pins torch {got}, runtime.in {version} (make lock)"
            else:
                assert got == version, f"{name}.txt pins {package} {got}, {name}.in {version} (make lock)"


def test_shared_pins_agree_across_locks():
    """tools.txt is compiled against runtime.txt, runtime-cuda.txt from the same input: the packages they
    share have one version; the CUDA lock differs only by torch's build and its CUDA libraries."""
    cpu, cuda, tools = (pins(REQ / f"{n}.txt") for n in ("runtime", "runtime-cuda", "tools"))
    assert {p: (v, tools[p]) for p, v in cpu.items() if p in tools and tools[p] != v} == {}
    assert cpu["torch"] == cuda["torch"] + "+cpu"
    differ = {p for p in cpu.keys() & cuda.keys() if p != "torch" and cpu[p] != cuda[p]}
    assert differ == set(), f"runtime-cuda.txt and runtime.txt disagree on {sorted(differ)} (make lock)"
    assert set(cpu) <= set(cuda)
    extra = set(cuda) - set(cpu)
    assert extra and all(re.match(r"(nvidia-|cuda-|triton$)", p) for p in extra), sorted(extra)


def runtime_gaps(sources: list[str], runtime: dict[str, str]) -> set[str]:
    """Modules imported by `sources` that no package of the runtime lock provides (stdlib and snippets aside)."""
    providers = importlib.metadata.packages_distributions()
    roots = set().union(*(imported_roots(s) for s in sources)) - set(sys.stdlib_module_names) - {"snippets"}
    return {r for r in roots if not any(normal(d) in runtime for d in providers.get(r, []))}


@pytest.mark.parametrize("slug", slugs())
def test_runtime_lock_holds_what_the_notebook_imports(slug):
    """A package a notebook imports but only the tools' lock holds would escape the cache key."""
    form = standalone.standalone_of(execute.NOTEBOOKS / f"{slug}.ipynb")
    runtime = pins(REQ / "runtime.txt")
    assert runtime_gaps([c.source for c in form.cells if c.cell_type == "code"], runtime) == set()
    # negative control: yaml and mkdocs come with the tools, not with the runtime
    assert runtime_gaps(["import yaml\nfrom mkdocs import config\nimport numpy"], runtime) == {"yaml", "mkdocs"}
