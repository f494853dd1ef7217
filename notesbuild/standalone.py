"""Standalone notebooks: the `snippets/` code a notebook imports, written out by cells of its own.

A reader who downloads a notebook or opens it in Colab has none of this repository.
`make_standalone` inserts, before the notebook's first code cell, a Markdown cell that
says what follows and one `%%writefile snippets/<name>.py` cell per module the notebook
imports (transitively, each module after the modules it imports). The notebook's own
cells are left as they are, so `from snippets.viz import show` works in any folder, and
the inserted cells are marked in their metadata so `strip_inlined` can take them out.

The build executes this form, in an empty folder, with the repository off the path
(notesbuild.execute, notesbuild.nbtest): what a reader downloads is what was run and
tested, and the execution cache holds standalone notebooks.
"""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat

from notesbuild import cache
from snippets.protocol import METADATA_KEY as META  # cell.metadata[META]["inlined"] = "snippets/<name>.py"

INTRO = """\
## 本 notebook 用到的共享代码

本站的 notebook 共用仓库 `snippets/` 目录中的几个小模块（作图风格、数值检查、数据等）。
为了让这个 notebook 下载后或在 Colab 中可以独立运行，下面的单元（已折叠，点开即可阅读）把它用到的模块
原样写进当前目录的 `snippets/` 文件夹；之后的代码与仓库中的 notebook 完全相同。只关心推导的读者可以跳过这一节。"""

# Changing INTRO's cells, MKDIR or the %%writefile form changes what is executed: bump cache.KEY_VERSION.
MKDIR = 'import os\n\nos.makedirs("snippets", exist_ok=True)  # the next cells write the shared modules here'


def module_order(sources: list[str], origin: str, snippets_dir: Path | None = None) -> list[str]:
    """The snippet modules `sources` need, each after the snippet modules it imports."""
    snippets_dir = snippets_dir or cache.SNIPPETS
    needed = cache.snippet_closure(sources, origin, snippets_dir)
    deps = {}
    for name in needed:
        path = snippets_dir / f"{name}.py"
        deps[name] = sorted(cache.snippet_imports(path.read_text(encoding="utf-8"), str(path)) - {name})
    order: list[str] = []

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in chain:
            raise cache.NotebookSourceError(f"{origin}: snippets import each other in a cycle: "
                                            + " -> ".join((*chain, name)))
        for dep in deps[name]:
            visit(dep, (*chain, name))
        order.append(name)

    for name in needed:
        visit(name, ())
    return order


def _cell(kind: str, source: str, cell_id: str, inlined: str) -> nbformat.NotebookNode:
    make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = make(source, id=cell_id)  # fixed ids: the same notebook gives the same file
    cell.metadata[META] = {"inlined": inlined}
    if kind == "code":
        # shown collapsed: JupyterLab and Notebook 7 hide the source (a click opens it), Colab shows
        # the cell as a form with its code hidden; a reader meets the notebook's own first cell first
        cell.metadata["jupyter"] = {"source_hidden": True, "outputs_hidden": True}
        cell.metadata["cellView"] = "form"
    return cell


def make_standalone(nb: nbformat.NotebookNode, origin: str = "notebook",
                    snippets_dir: Path | None = None) -> nbformat.NotebookNode:
    """A copy of `nb` that writes the snippet modules it imports before its first code cell."""
    snippets_dir = snippets_dir or cache.SNIPPETS
    out = copy.deepcopy(nb)
    names = module_order(cache.code_sources(nb), origin, snippets_dir)
    if not names:
        return out
    cells = [_cell("markdown", INTRO, "mlnotes-snippets-intro", "intro"),
             _cell("code", MKDIR, "mlnotes-snippets-dir", "snippets/")]
    for name in ["__init__", *names]:
        rel = f"snippets/{name}.py"
        text = (snippets_dir / f"{name}.py").read_text(encoding="utf-8") or "# (empty)\n"  # %%writefile needs a body
        cells.append(_cell("code", f"%%writefile {rel}\n{text}", f"mlnotes-snippets-{name.strip('_')}", rel))
    if out.nbformat_minor < 5:  # cell ids came with nbformat 4.5
        for cell in cells:
            cell.pop("id")
    first_code = next((i for i, c in enumerate(out.cells) if c.cell_type == "code"), len(out.cells))
    out.cells[first_code:first_code] = cells
    return out


def standalone_of(path: Path) -> nbformat.NotebookNode:
    """The standalone form of the notebook file at `path`."""
    return make_standalone(cache.read_notebook(path), str(path))


def is_inlined(cell) -> bool:
    return bool(cell.get("metadata", {}).get(META, {}).get("inlined"))


def strip_inlined(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without the cells `make_standalone` added; executed cells renumbered from 1."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if not is_inlined(c)]
    offset = min((c.execution_count for c in out.cells if c.cell_type == "code" and c.execution_count), default=1) - 1
    for cell in out.cells:
        if cell.cell_type == "code" and cell.execution_count:
            cell.execution_count -= offset
            for output in cell.get("outputs", []):
                if "execution_count" in output and output["execution_count"]:
                    output["execution_count"] -= offset
    return out


def cell_label(nb: nbformat.NotebookNode, index: int) -> str:
    """How to name cell `index` of a standalone notebook: by its number in the source notebook."""
    cell = nb.cells[index]
    if is_inlined(cell):
        return f"the inlined {cell.metadata[META]['inlined']} (standalone cell {index + 1})"
    return f"cell {sum(not is_inlined(c) for c in nb.cells[:index]) + 1}"
