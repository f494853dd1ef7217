"""The names that cross from the notebooks to the build (snippets/protocol.py) have one definition:
what a snippet shows, the build's reader finds; no build module spells a name out again."""

import re

import matplotlib
import nbformat

from notesbuild import cache, checkmarks, execute, outputs
from snippets import checks, report, runtime, viz

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SPELLED_OUT = re.compile(r"""application/vnd\.mlnotes|["']mlnotes["']""")


def shown_by(module, monkeypatch, call) -> list[dict]:
    """The outputs a snippet function displays, as a notebook would store them."""
    outs = []

    def display(bundle, metadata=None, raw=True):
        outs.append(nbformat.v4.new_output("display_data", data=bundle, metadata=metadata or {}))

    monkeypatch.setattr(module, "display", display)
    call()
    return outs


def notebook_with(outs) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x = 1"))
    nb.cells[0].outputs = outs
    return nb


def test_what_snippets_show_the_build_reads(monkeypatch):
    fig = plt.figure(figsize=(2, 1))
    outs = shown_by(report, monkeypatch, lambda: report.publish(sw=0.5))
    outs += shown_by(viz, monkeypatch, lambda: viz.show(fig, "curve", fmt="png"))
    outs += shown_by(checks, monkeypatch, lambda: checks.check_close("mean", 1.0, 1.0, atol=1e-9, eq="mean"))
    outs += shown_by(runtime, monkeypatch, lambda: runtime.setup(seed=5))
    nb = notebook_with(outs)

    produced = outputs.read("t", nb)
    assert produced.values == {"sw": 0.5} and list(produced.figures) == ["curve"]
    assert [c.eq for c in checkmarks.annotate(nb)] == [["mean"]]
    monkeypatch.setattr(execute, "commit_of", lambda slug: "test")
    assert execute.stamp(nb, "t", 1.0, "quick")["seed"] == 5
    merged = cache.merge_outputs(notebook_with([]), nb)
    assert merged.metadata == nb.metadata and merged.metadata  # the stamp travels with a cached execution


def test_a_renamed_name_breaks_the_round_trip(monkeypatch):
    """Negative control: a snippet that showed its values under another name would go unread."""
    monkeypatch.setattr(report, "VALUES_MIME", "application/vnd.other.values+json")
    nb = notebook_with(shown_by(report, monkeypatch, lambda: report.publish(sw=0.5)))
    assert outputs.read("t", nb).values == {}


def test_no_build_module_spells_the_names_out():
    build = sorted((cache.ROOT / "notesbuild").rglob("*.py"))
    found = [f"{p.relative_to(cache.ROOT)}:{i}" for p in build
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1) if SPELLED_OUT.search(line)]
    assert found == [], "import the name from snippets/protocol.py instead"
    # negative control: the scan sees the one definition
    assert SPELLED_OUT.search((cache.ROOT / "snippets" / "protocol.py").read_text(encoding="utf-8"))
