"""Inside a build kernel: the notebook's own code imports only what Colab has.

A reader's Colab has the runtime packages below and the standard library, not the rest of
this build's venv (jieba, yaml, requests, ...). tests/test_notebook_policy.py reads the
imports of a notebook and its inlined snippets; this guard enforces the same list while the
notebook runs, so an import the scan cannot see (a name computed at run time) fails here too.

Only code of the notebook is checked: its cells (module `__main__`) and the `snippets`
package. The runtime packages' own imports are not: torch, matplotlib, IPython and the rest
import dozens of other packages (cloudpickle, narwhals, dateutil, zmq, ...), and they would
do the same in Colab. The check wraps `builtins.__import__` and `importlib.import_module`
and reads who is importing from the importing module's globals, so a package already loaded
by a runtime package is still refused to the notebook's code. A refused import raises
ModuleNotFoundError, as a missing package does in Colab.

The build runs `install()` from an IPython startup file (notesbuild/kernel.py writes it) in
every kernel it starts, nbclient's and nbmake's. It is not part of the downloaded notebook.
"""

import builtins
import importlib
import sys

# The packages of requirements/runtime.txt that Colab has (PIL: Pillow, matplotlib's image library,
# which snippets/viz.py uses); keep in step with ALLOWED in tests/test_notebook_policy.py.
RUNTIME = ("torch", "numpy", "scipy", "sklearn", "matplotlib", "IPython", "ipykernel", "PIL")
OWN = "snippets"  # the notebook's inlined modules


def refusal(name: str, importer: dict, level: int = 0) -> str | None:
    """Why the module whose globals are `importer` may not import `name` (None: it may)."""
    where = importer.get("__name__") or ""
    if level or not (where == "__main__" or where == OWN or where.startswith(OWN + ".")):
        return None  # a relative import, or a runtime package importing what it needs
    root = name.partition(".")[0]
    if root in RUNTIME or root == OWN or root in sys.stdlib_module_names:
        return None
    who = "the notebook's code" if where == "__main__" else f"{where.replace('.', '/')}.py"
    return (f"No module named {root!r} in the notebook runtime: {who} imports {name!r}, which is not one of "
            f"the packages a downloaded notebook may rely on (Colab). Allowed: {', '.join(RUNTIME)}, {OWN} "
            f"and the standard library")


def install() -> None:
    """Wrap the import functions; idempotent."""
    if getattr(builtins.__import__, "_mlnotes_guard", False):
        return
    real_import, real_import_module = builtins.__import__, importlib.import_module

    def guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
        why = refusal(name, globals if globals is not None else sys._getframe(1).f_globals, level)
        if why:
            raise ModuleNotFoundError(why, name=name)
        return real_import(name, globals, locals, fromlist, level)

    def guarded_import_module(name, package=None):
        why = None if name.startswith(".") else refusal(name, sys._getframe(1).f_globals)
        if why:
            raise ModuleNotFoundError(why, name=name)
        return real_import_module(name, package)

    guarded_import._mlnotes_guard = True
    builtins.__import__, importlib.import_module = guarded_import, guarded_import_module
