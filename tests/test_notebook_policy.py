"""Rules every notebook and page follows (CONTRIBUTING.md)."""

import ast
import re
import sys

import nbformat
import pytest

from notesbuild import cache, execute, importguard, imports, standalone

ROOT = cache.ROOT
NOTEBOOKS = execute.all_slugs()
ALLOWED = {*importguard.RUNTIME, importguard.OWN}  # one list: the build's import guard refuses the rest


def notebook(slug):
    return nbformat.read(str(ROOT / "notebooks" / f"{slug}.ipynb"), as_version=4)


imported_roots = imports.top_level  # the build's own scanner (notesbuild/imports.py)


def test_import_scan_sees_dynamic_imports():
    assert imported_roots("import numpy as np\nfrom scipy import stats\n__import__('pandas')\n"
                          "importlib.import_module('yaml.x')\n%matplotlib inline") == {"numpy", "scipy", "pandas", "yaml"}


@pytest.mark.parametrize("slug", NOTEBOOKS)
def test_committed_without_outputs(slug):
    dirty = [i + 1 for i, c in enumerate(notebook(slug).cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"notebooks/{slug}.ipynb: cells {dirty} have outputs or execution counts; strip them"


@pytest.mark.parametrize("slug", NOTEBOOKS)
def test_imports_only_allowed_packages(slug):
    """What the downloaded notebook runs, its own cells and every snippet inlined into it, imports only
    what Colab has (a snippet importing yaml would pass here in the build venv and break in Colab)."""
    form = standalone.standalone_of(ROOT / "notebooks" / f"{slug}.ipynb")
    roots = set().union(*(imported_roots(c.source) for c in form.cells if c.cell_type == "code"))
    extra = roots - ALLOWED - set(sys.stdlib_module_names)
    assert not extra, (f"notebooks/{slug}.ipynb (with its inlined snippets) imports {sorted(extra)}; "
                       f"allowed: {sorted(ALLOWED)} and the stdlib")


CHECKS_HEADING = re.compile(r"^## (\d+\. )?检验$", re.M)        # the checks and their negative controls
NUMBERS_HEADING = re.compile(r"^## (\d+\. )?页面引用的数字$", re.M)  # the published numbers, last


def calls(source: str) -> set[str]:
    """Names of the functions a code cell calls (IPython magics skipped)."""
    tree = ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()))
    return {getattr(n.func, "id", None) or getattr(n.func, "attr", "") for n in ast.walk(tree) if isinstance(n, ast.Call)}


def structure(nb) -> list[tuple[str, str, set]]:
    """(section heading, cell kind, functions called) for each cell; the heading is the last H2 above it."""
    out, section = [], ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            h2 = [line for line in cell.source.splitlines() if line.startswith("## ")]
            section = h2[-1] if h2 else section
        out.append((section, cell.cell_type, calls(cell.source) if cell.cell_type == "code" else set()))
    return out


def structure_problems(nb) -> list[str]:
    cells = structure(nb)
    code = [(sec, called) for sec, kind, called in cells if kind == "code"]
    problems = []
    if not code or "setup" not in code[0][1]:
        problems.append("the first code cell must call setup() (seed, profile, device)")
    headings = [sec for sec, _, _ in cells]
    sections = list(dict.fromkeys(h for h in headings if h))
    if not sections or not NUMBERS_HEADING.match(sections[-1]):
        problems.append("the last section must be '## 页面引用的数字' (the published numbers)")
    if len(sections) < 2 or not CHECKS_HEADING.match(sections[-2]):
        problems.append("the section before it must be '## 检验' (the checks and their negative controls)")
    stray = sorted({sec for sec, called in code if any(c.startswith("check_") for c in called)
                    and not CHECKS_HEADING.match(sec)})
    if stray:
        problems.append(f"checks outside the 检验 section: {stray}")
    if not any("publish" in called for _, called in code):
        problems.append("the notebook publishes nothing: the page's numbers come from publish()")
    return problems


@pytest.mark.parametrize("slug", NOTEBOOKS)
def test_notebook_structure(slug):
    problems = structure_problems(notebook(slug))
    assert not problems, f"notebooks/{slug}.ipynb: " + "; ".join(problems)


def test_structure_rule_fails_on_a_wrong_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import numpy"), nbformat.v4.new_markdown_cell("## 1. 方法"),
                nbformat.v4.new_code_cell("check_close('a', 1, 1, atol=0)"), nbformat.v4.new_markdown_cell("## 小结"),
                nbformat.v4.new_code_cell("print(1)  # check_close in a comment is not a check")]
    assert structure_problems(nb) == [
        "the first code cell must call setup() (seed, profile, device)",
        "the last section must be '## 页面引用的数字' (the published numbers)",
        "the section before it must be '## 检验' (the checks and their negative controls)",
        "checks outside the 检验 section: ['## 1. 方法']",
        "the notebook publishes nothing: the page's numbers come from publish()",
    ]


_MD_LINK = re.compile(r"\]\(([^)\s]+)")


@pytest.mark.parametrize("slug", NOTEBOOKS)
def test_markdown_links_work_wherever_the_notebook_is_read(slug):
    """A notebook is read on its site page (/notebooks/<slug>/), downloaded, and opened in Colab: a
    relative link to a page (`../section/post.md`) works in none of them. Name the post in words
    ("见《对比学习基础》一文") or link its absolute URL."""
    bad = [target for cell in notebook(slug).cells if cell.cell_type == "markdown"
           for target in _MD_LINK.findall(cell.source)
           if target.startswith(("./", "../")) or ".md" in target or ".ipynb" in target]
    assert not bad, f"notebooks/{slug}.ipynb: relative links {bad}"


@pytest.mark.parametrize("slug", NOTEBOOKS)
def test_each_notebook_has_a_post(slug):
    posts = [p for p in (ROOT / "docs").glob("*/*.md") if f"notebook: {slug}\n" in p.read_text(encoding="utf-8")]
    assert len(posts) == 1, f"notebooks/{slug}.ipynb belongs to {len(posts)} posts (front matter `notebook: {slug}`)"


def test_no_committed_images_under_docs():
    images = [p for p in (ROOT / "docs").rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".gif", ".svg"}
              and not any(k in p.name for k in ("logo", "favicon"))]
    assert not images, f"figures come from notebook execution, not files: {images}"
