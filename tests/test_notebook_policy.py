"""Rules every notebook and page follows (CONTRIBUTING.md)."""

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


@pytest.mark.parametrize("slug", NOTEBOOKS)
def test_setup_first_and_checks_last(slug):
    code = [c.source for c in notebook(slug).cells if c.cell_type == "code"]
    assert "setup(" in code[0], f"notebooks/{slug}.ipynb: the first code cell must call setup() (seed, profile, device)"
    tail = "\n".join(code[-3:])
    assert "check_" in tail, f"notebooks/{slug}.ipynb: the last cells must check the page's equations"


@pytest.mark.parametrize("slug", NOTEBOOKS)
def test_each_notebook_has_a_post(slug):
    posts = [p for p in (ROOT / "docs").glob("*/*.md") if f"notebook: {slug}\n" in p.read_text(encoding="utf-8")]
    assert len(posts) == 1, f"notebooks/{slug}.ipynb belongs to {len(posts)} posts (front matter `notebook: {slug}`)"


def test_no_committed_images_under_docs():
    images = [p for p in (ROOT / "docs").rglob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg", ".gif", ".svg"}
              and not any(k in p.name for k in ("logo", "favicon"))]
    assert not images, f"figures come from notebook execution, not files: {images}"
