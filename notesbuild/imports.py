"""What a piece of notebook or snippet code imports: the one import scanner of the build and the tests.

`imported_names` returns the dotted names a source imports: `import a.b` gives "a.b",
`from a.b import c` gives "a.b.c", a relative `from .x import y` gives ".x.y", and
`__import__("x")` or `importlib.import_module("x")` with a literal name gives "x". IPython
magics and shell lines (`%…`, `!…`) are skipped. The execution cache follows the `snippets`
names (notesbuild/cache.py); the notebook policy test reads the top-level packages.
"""

from __future__ import annotations

import ast
import re

_MAGIC = re.compile(r"^\s*[%!]")


def imported_names(source: str) -> set[str]:
    """Dotted names imported by `source`; raises SyntaxError when it is not Python."""
    tree = ast.parse("\n".join("" if _MAGIC.match(line) else line for line in source.splitlines()))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            joint = "" if base.endswith(".") or not base else "."
            names |= {f"{base}{joint}{alias.name}" for alias in node.names}
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (getattr(node.func, "id", None) == "__import__" or getattr(node.func, "attr", None) == "import_module")):
            names.add(node.args[0].value)
    return names


def top_level(source: str) -> set[str]:
    """Top-level packages imported by `source` (relative imports left out)."""
    return {name.split(".")[0] for name in imported_names(source) if not name.startswith(".")}


def snippet_modules(source: str) -> set[str]:
    """Names of the `snippets` modules imported by `source` (from a notebook, or relatively from a snippet)."""
    found = set()
    for name in imported_names(source):
        parts = name.lstrip(".").split(".")
        if name.startswith("."):
            found.add(parts[0])
        elif parts[0] == "snippets" and len(parts) > 1:
            found.add(parts[1])
    return found
