"""The execution cache: what invalidates it, what does not, and how failures read."""

import json
import time

import nbformat
import pytest

from notesbuild import cache, execute


def make_nb(path, *cells):
    """cells: ("md", text) or ("code", text)."""
    nb = nbformat.v4.new_notebook()
    for kind, text in cells:
        nb.cells.append(nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text))
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A miniature repo: notebooks/, snippets/, requirements.txt and an empty cache."""
    (tmp_path / "notebooks").mkdir()
    snip = tmp_path / "snippets"
    snip.mkdir()
    (snip / "__init__.py").write_text("")
    (snip / "alpha.py").write_text("from snippets import beta\nA = beta.B + 1\n")
    (snip / "beta.py").write_text("B = 41\n")
    (snip / "gamma.py").write_text("C = 0\n")
    (tmp_path / "requirements.txt").write_text("numpy==2.4.6\n")
    monkeypatch.setattr(cache, "SNIPPETS", snip)
    monkeypatch.setattr(cache, "REQUIREMENTS", tmp_path / "requirements.txt")
    monkeypatch.setattr(cache, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
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


def test_requirements_and_profile_change_key(repo):
    nb = make_nb(repo / "notebooks" / "a.ipynb", ("code", "x = 1"))
    k0 = key(nb)
    assert key(nb, "full") != k0
    (repo / "requirements.txt").write_text("numpy==2.4.7\n")
    assert key(nb) != k0


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
    assert cache.load(k) is None and not entry.exists()  # hash mismatch: removed

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
