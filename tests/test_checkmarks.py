"""Every labelled equation shows its proof: checks name equations, the page marks them or says why not."""

import nbformat
import numpy as np
import pytest

from notesbuild import checkmarks, equations
from snippets import checks

PAGE = ("# 标题\n\n$$\n\\begin{equation}\na=b \\label{eq:demo-ab}\n\\end{equation}\n$$\n\n"
        "```latex\n\\label{eq:demo-in-code}\n```\n\n$$\n\\begin{equation}\nc \\label{eq:demo-def}\n\\end{equation}\n$$\n")


def record(eq, value=1e-13, bound=1e-10, unit=""):
    return {"eq": eq, "name": "a equals b", "value": value, "bound": bound, "unit": unit}


def executed(*records):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# x"), nbformat.v4.new_code_cell("check()")]
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "PASS", checkmarks.CHECK_MIME: r})
                           for r in records]
    return nb


def test_check_shows_a_record_naming_its_equations(monkeypatch):
    shown = []
    monkeypatch.setattr(checks, "display", lambda data, raw: shown.append(data))
    checks.check_mc("mean", 1.0, 1.1, 0.1, k=4, eq=["eq:demo-ab", "demo-def"])
    rec = shown[0][checks.CHECK_MIME]
    assert rec["eq"] == ["demo-ab", "demo-def"] and rec["unit"] == "SE" and rec["bound"] == 4
    assert checks.CHECK_MIME == checkmarks.CHECK_MIME  # one name on both sides of the build/notebook boundary


def test_failing_check_shows_no_record(monkeypatch):
    shown = []
    monkeypatch.setattr(checks, "display", lambda data, raw: shown.append(data))
    with pytest.raises(AssertionError):
        checks.check_below("too big", 2.0, 1.0, eq="demo-ab")
    assert not shown


def test_annotate_anchors_each_check_and_coverage_marks_equations():
    nb = executed(record(["demo-ab"]), record(["demo-ab"], value=0.5, bound=4, unit="SE"))
    found = checkmarks.annotate(nb)
    assert [c.anchor for c in found] == ["check-1", "check-2"] and found[0].cell == 2
    assert 'id="check-2"' in nb.cells[1].outputs[1]["data"]["text/html"]
    cov = checkmarks.coverage("docs/x.md", PAGE, found, {"demo-def": "定义"}, "demo", first_line=10)
    assert cov.labels == {"demo-ab": 14, "demo-def": 24}  # code blocks are skipped; lines of the source file
    assert cov.summary == "docs/x.md: equations checked: 1/2 (1 not checkable, with reasons)"
    mark = cov.mark("demo-ab", "../../notebooks/demo/")
    assert '✓ 数值验证' in mark and 'href="../../notebooks/demo/#check-2"' in mark and "0.5 SE &lt; 4 SE" in mark
    assert "未作数值验证：定义" in cov.mark("demo-def", "x")


@pytest.mark.parametrize("recs, unchecked, message", [
    ([record(["demo-ab"])], None, r"neither a notebook check nor a reason: eq:demo-def \(line 15\)"),
    ([record(["demo-nope"])], {"demo-def": "定义"}, r"cell 2: check 'a equals b' names eq='demo-nope'"),
    ([record(["demo-ab", "demo-def"])], {"demo-def": "定义"}, r"'demo-def' is listed under 'unchecked'"),
    ([record(["demo-ab"])], {"demo-def": "", }, r"must map labels to reasons"),
    ([record(["demo-ab"])], {"demo-def": "定义", "demo-gone": "x"}, r"'demo-gone', which is no \\label"),
])
def test_gaps_and_stray_names_fail_naming_page(recs, unchecked, message):
    with pytest.raises(checkmarks.CheckMarkError, match=message):
        checkmarks.coverage("docs/x.md", PAGE, checkmarks.annotate(executed(*recs)), unchecked, "demo")


def test_marks_go_inside_the_equation_block():
    html = '<div class="arithmatex">\\[\\begin{equation}\na \\label{eq:demo-ab}\n\\end{equation}\\]</div>'
    out = equations.add_permalinks(html, "docs/x.md", mark=lambda label: f"<i>{label}</i>")
    assert out.endswith("¶</a><i>demo-ab</i></div>")


def test_checks_take_tensors_as_well_as_arrays():
    import torch

    assert checks.check_mc("mean", torch.tensor([1.0, 2.0]), [1.1, 2.1], torch.tensor([0.1, 0.1])) < 1.1
    assert checks.check_close("same", torch.ones(3), np.ones(3), atol=1e-12) == 0.0
