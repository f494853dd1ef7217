"""The execution cache: what invalidates it, what does not, and how failures read;
and the standalone form that is what actually runs."""

import json
import time

import nbformat
import pytest

from notesbuild import cache, execute, standalone

STAMP_CELL = "from snippets.runtime import setup\nsetup(seed=3)"
# A stand-in for snippets/runtime.py: shows the stamp the build records, without importing torch.
FAKE_RUNTIME = """\
from IPython.display import display


def setup(seed=0):
    stamp = {"profile": "quick", "device": "test-device", "torch": "-", "numpy": "-", "seed": seed}
    display({"text/plain": "stamp", "application/vnd.mlnotes.stamp+json": stamp}, raw=True)
"""


def make_nb(path, *cells, stamp=True):
    """cells: ("md", text) or ("code", text); a last cell calls setup() so the run has a stamp."""
    nb = nbformat.v4.new_notebook()
    for kind, text in [*cells, *([("code", STAMP_CELL)] if stamp else [])]:
        nb.cells.append(nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text))
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A miniature repo: notebooks/, snippets/, the runtime lock and an empty cache."""
    (tmp_path / "notebooks").mkdir()
    snip = tmp_path / "snippets"
    snip.mkdir()
    (snip / "__init__.py").write_text("")
    (snip / "alpha.py").write_text("from snippets import beta\nA = beta.B + 1\n")
    (snip / "beta.py").write_text("B = 41\n")
    (snip / "gamma.py").write_text("C = 0\n")
    (snip / "runtime.py").write_text(FAKE_RUNTIME)
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "runtime.txt").write_text("numpy==2.4.6\n")
    monkeypatch.setattr(cache, "SNIPPETS", snip)
    monkeypatch.setattr(cache, "RUNTIME_LOCK", tmp_path / "requirements" / "runtime.txt")
    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setenv("PYTHONPATH", str(cache.ROOT))  # kernel_env must take the repo off the path
    monkeypatch.delenv("NOTES_REQUIRE_CACHED", raising=False)
    monkeypatch.setenv("NOTES_PROFILE", "quick")
    return tmp_path


def key(path, profile="quick"):
    return cache.cache_key(path, profile)


def test_prose_edit_keeps_key_code_edit_changes_it(repo):
    nb = make_nb(repo / "notebooks" / "a.ipynb", ("md", "# 标题"), ("code", "x = 1"))
    k0 = key(nb)
    make_nb(nb, ("md", "# 新的标题\n更多文字"), ("code", "x = 1"))
    assert key(nb) == k0
    make_nb(nb, ("md", "# 新的标题"), ("code", "x = 2"))
    assert key(nb) != k0


def test_snippet_edits_reach_only_importers(repo):
    uses = make_nb(repo / "notebooks" / "uses.ipynb", ("code", "from snippets import alpha\nprint(alpha.A)"))
    other = make_nb(repo / "notebooks" / "other.ipynb", ("code", "import snippets.gamma"))
    k_uses, k_other = key(uses), key(other)
    (repo / "snippets" / "beta.py").write_text("B = 1\n")  # imported by alpha: transitive
    assert key(uses) != k_uses
    assert key(other) == k_other
    assert cache.snippet_closure(["from snippets import alpha"], "t") == ["alpha", "beta"]


def test_runtime_lock_and_profile_change_key(repo):
    nb = make_nb(repo / "notebooks" / "a.ipynb", ("code", "x = 1"))
    k0 = key(nb)
    assert key(nb, "full") != k0
    (repo / "requirements" / "runtime.txt").write_text("numpy==2.4.7\n")
    assert key(nb) != k0


def test_thread_count_changes_key_and_reaches_the_kernel(repo, monkeypatch):
    nb = make_nb(repo / "notebooks" / "a.ipynb", ("code", "x = 1"))
    monkeypatch.delenv("NOTES_THREADS", raising=False)
    k1 = key(nb)
    assert execute.kernel_env("quick")["NOTES_THREADS"] == "1"
    monkeypatch.setenv("NOTES_THREADS", "4")
    assert key(nb) != k1 and execute.kernel_env("quick")["NOTES_THREADS"] == "4"
    monkeypatch.setenv("NOTES_THREADS", "many")
    with pytest.raises(ValueError, match="NOTES_THREADS='many'"):
        key(nb)


def test_missing_snippet_is_a_clear_error(repo):
    nb = make_nb(repo / "notebooks" / "a.ipynb", ("code", "from snippets import nothere"))
    with pytest.raises(cache.NotebookSourceError, match="snippets.nothere"):
        key(nb)


def test_execute_then_cached_then_prose_merge(repo, capsys):
    nbdir = repo / "notebooks"
    make_nb(nbdir / "a.ipynb", ("md", "旧的说明"), ("code", "from snippets import alpha\nprint(alpha.A)"))
    first = execute.ensure_executed(nb_dir=nbdir, jobs=1)
    assert first["a"].status == "executed"
    assert first["a"].notebook.cells[1].outputs[0]["text"].strip() == "42"
    assert "notebooks: executed=1 cached=0" in capsys.readouterr().out

    make_nb(nbdir / "a.ipynb", ("md", "新的说明"), ("code", "from snippets import alpha\nprint(alpha.A)"))
    second = execute.ensure_executed(nb_dir=nbdir, jobs=1)
    assert second["a"].status == "cached"
    assert second["a"].notebook.cells[0].source == "新的说明"  # prose from the source, outputs from the cache
    assert second["a"].notebook.cells[1].outputs[0]["text"].strip() == "42"
    assert "notebooks: executed=0 cached=1" in capsys.readouterr().out

    (repo / "snippets" / "beta.py").write_text("B = 99\n")
    third = execute.ensure_executed(nb_dir=nbdir, jobs=1)
    assert third["a"].status == "executed"
    assert third["a"].notebook.cells[1].outputs[0]["text"].strip() == "100"


def test_require_cached_refuses_to_execute(repo, monkeypatch):
    make_nb(repo / "notebooks" / "a.ipynb", ("code", "x = 1"))
    monkeypatch.setenv("NOTES_REQUIRE_CACHED", "1")
    with pytest.raises(execute.ExecutionError, match="no cached execution.*a"):
        execute.ensure_executed(nb_dir=repo / "notebooks")


def test_corrupt_and_partial_entries_are_misses(repo):
    nb = make_nb(repo / "notebooks" / "a.ipynb", ("code", "x = 1"))
    execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1)
    k = key(nb)
    entry = cache.CACHE_DIR / k
    assert cache.load(k) is not None

    data = json.loads((entry / "notebook.ipynb").read_text())
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "tampered"}]
    (entry / "notebook.ipynb").write_text(json.dumps(data))
    assert cache.load(k) is None and not entry.exists()  # hash mismatch: moved aside, kept for inspection
    assert any((cache.CACHE_DIR.parent / "cache-corrupt").glob(f"{k}.*"))

    execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1)
    (entry / "record.json").unlink()  # interrupted before the record was written
    assert cache.load(k) is None
    assert execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1)["a"].status == "executed"


def test_failing_cell_names_notebook_cell_and_exception(repo):
    make_nb(repo / "notebooks" / "bad.ipynb", ("md", "说明"), ("code", "x = 1"), ("code", "y = 1 / 0"))
    with pytest.raises(execute.ExecutionError) as err:
        execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1)
    msg = str(err.value)
    assert "bad.ipynb: cell 3 failed: ZeroDivisionError" in msg
    assert "y = 1 / 0" in msg
    assert not any(cache.CACHE_DIR.glob("*/record.json"))  # failures are not cached


def test_hung_cell_times_out_with_its_number(repo):
    make_nb(repo / "notebooks" / "slow.ipynb", ("code", "import time"), ("code", "time.sleep(60)"))
    start = time.perf_counter()
    with pytest.raises(execute.ExecutionError, match=r"slow.ipynb: cell 2 exceeded the per-cell timeout of 2 s"):
        execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1, timeout=2)
    assert time.perf_counter() - start < 40


def test_standalone_inlines_snippets_in_dependency_order(repo):
    nb = cache.read_notebook(make_nb(repo / "notebooks" / "a.ipynb", ("md", "# 标题"),
                                     ("code", "from snippets import alpha\nprint(alpha.A)")))
    alone = standalone.make_standalone(nb, "a.ipynb")
    inlined = [c.metadata["mlnotes"]["inlined"] for c in alone.cells if standalone.is_inlined(c)]
    assert inlined == ["intro", "snippets/", "snippets/__init__.py", "snippets/beta.py", "snippets/alpha.py",
                       "snippets/runtime.py"]
    assert alone.cells[0].source == "# 标题"  # inserted after the title, before the first code cell
    assert standalone.strip_inlined(alone).cells == nb.cells
    assert "snippets/gamma.py" not in inlined  # only what the notebook imports
    code = [c for c in alone.cells if standalone.is_inlined(c) and c.cell_type == "code"]
    assert all(c.metadata["jupyter"]["source_hidden"] and c.metadata["cellView"] == "form" for c in code)
    assert not any("jupyter" in c.metadata for c in alone.cells if not standalone.is_inlined(c))


def test_executed_form_is_standalone_and_stamped(repo):
    make_nb(repo / "notebooks" / "a.ipynb",
            ("code", "import importlib.util\n"
                     "assert importlib.util.find_spec('notesbuild') is None, 'the repository is on the path'\n"
                     "from snippets import alpha\nprint(alpha.A)"))
    result = execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1)["a"]
    stamp = result.download.metadata["mlnotes"]["stamp"]
    assert stamp["device"] == "test-device" and stamp["seed"] == 3 and stamp["profile"] == "quick"
    assert stamp["seconds"] > 0 and stamp["commit"]
    assert result.notebook.metadata["mlnotes"]["stamp"] == stamp
    writes = [c for c in result.download.cells if c.source.startswith("%%writefile")]
    assert all(c.outputs for c in writes)  # the download carries its own executed module cells


def test_notebook_without_setup_has_no_stamp_and_fails(repo):
    make_nb(repo / "notebooks" / "nostamp.ipynb", ("code", "x = 1"), stamp=False)
    with pytest.raises(execute.ExecutionError, match="nostamp.ipynb: ran without calling snippets.runtime.setup"):
        execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1)


def test_failure_in_an_inlined_snippet_names_the_module(repo):
    (repo / "snippets" / "beta.py").write_text("B = undefined_name\n")
    make_nb(repo / "notebooks" / "a.ipynb", ("code", "from snippets import alpha"))
    with pytest.raises(execute.ExecutionError, match=r"a.ipynb: cell 1 failed: NameError: .* \(raised in snippets/beta.py, line 1\)"):
        execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1)


def test_shards_cover_every_notebook_once():
    slugs = [f"n{i:02d}" for i in range(11)]
    parts = [execute.shard(slugs, f"{i}/3") for i in (1, 2, 3)]
    assert sorted(sum(parts, [])) == slugs and all(parts)
    with pytest.raises(ValueError, match="need 1 <= I <= N"):
        execute.shard(slugs, "4/3")


def test_bad_cell_timeout_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("NOTES_CELL_TIMEOUT", "abc")
    with pytest.raises(ValueError, match="NOTES_CELL_TIMEOUT='abc': expected a whole number of seconds"):
        execute.cell_timeout()


def test_shard_entries_are_accepted_only_under_computed_keys_and_matching_code(repo):
    """A CI shard's upload cannot put other outputs on the site: wrong key or foreign code is refused."""
    import shutil

    nbdir = repo / "notebooks"
    make_nb(nbdir / "a.ipynb", ("code", "print(6 * 7)"))
    execute.ensure_executed(nb_dir=nbdir, jobs=1)
    k = key(nbdir / "a.ipynb")
    shard = repo / "shard"
    shutil.copytree(cache.CACHE_DIR, shard)
    shutil.rmtree(cache.CACHE_DIR)
    assert execute.accept(shard, nb_dir=nbdir, log=lambda *a: None) == 1
    assert cache.load(k) is not None

    # a forged entry under the right key: other code and outputs, with a self-consistent record
    nb, record = cache.load(k)
    nb.cells[-2].source = "print('pwned')"
    shutil.rmtree(cache.CACHE_DIR)
    shutil.rmtree(shard / k)
    saved, cache.CACHE_DIR = cache.CACHE_DIR, shard
    cache.store(nb, record)
    cache.CACHE_DIR = saved
    (shard / ("0" * 64)).mkdir()  # and an entry under a key no notebook has
    with pytest.raises(execute.ExecutionError) as refused:
        execute.accept(shard, nb_dir=nbdir, log=lambda *a: None)
    assert f"{'0' * 64}: no current notebook has this key" in str(refused.value)
    assert f"{k} (a): does not verify, or its code is not the notebook's" in str(refused.value)
    assert cache.load(k) is None


def test_storing_an_entry_twice_keeps_one_complete_entry(repo):
    """Two builds that execute the same notebook store the same key: the entry stays whole."""
    nb = make_nb(repo / "notebooks" / "a.ipynb", ("code", "x = 1"))
    execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1)
    k = key(nb)
    executed, record = cache.load(k)
    cache.store(executed, record)  # the second build arrives with the same execution
    assert cache.load(k) is not None
    (cache.CACHE_DIR / k / "record.json").write_text("{")  # a broken entry is replaced, not merged into
    cache.store(executed, record)
    assert cache.load(k) is not None
    assert not [p for p in cache.CACHE_DIR.iterdir() if p.name.startswith(".")]  # no temporary folders left


def test_one_import_scanner_reads_every_form():
    from notesbuild import imports

    src = ("import numpy as np\nfrom scipy import stats\n__import__('pandas')\nimportlib.import_module('yaml.x')\n"
           "%matplotlib inline\nimport snippets.alpha\nfrom snippets import beta, gamma\nfrom snippets.delta import f\n"
           "from .eps import g\nfrom . import zeta\n")
    assert imports.top_level(src) == {"numpy", "scipy", "pandas", "yaml", "snippets"}
    assert imports.snippet_modules(src) == {"alpha", "beta", "gamma", "delta", "eps", "zeta"}
    with pytest.raises(SyntaxError):
        imports.imported_names("import (")
