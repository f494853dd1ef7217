"""Math at first paint: typeset every built page's TeX to SVG at build time (MathJax 4 in Node).

`typeset_site(site_dir)` runs in on_post_build: each HTML page of the site goes through
notesbuild/typeset.mjs once, and the result is cached under `.cache/math/` by the hash of the
page's HTML and of everything that shapes the output (the script, the MathJax lock, the width),
so a rebuild under `mkdocs serve` typesets only the pages that changed. MathJax's shared
stylesheet becomes `assets/stylesheets/mathjax-svg.css`. No MathJax script is served.

A TeX error, a missing Node.js or MathJax, or a crash of the script raises TypesetError naming
the page and the TeX; no page is changed then.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from mkdocs.exceptions import PluginError

from notesbuild import cache

SCRIPT = Path(__file__).with_name("typeset.mjs")
LOCK = cache.ROOT / "package-lock.json"
CACHE = cache.ROOT / ".cache" / "math"
CSS = "assets/stylesheets/mathjax-svg.css"
# Displays wider than this are broken into lines at build time: the text column of a post at a
# 1280 px wide window (Material's grid with both sidebars), in em of the body text.
DISPLAY_WIDTH = "33em"


class TypesetError(PluginError):
    """Math that cannot be typeset: the message names the page and the TeX."""


def _recipe() -> bytes:
    return SCRIPT.read_bytes() + LOCK.read_bytes() + DISPLAY_WIDTH.encode()


def typeset_site(site_dir: str | Path, log=print) -> tuple[int, int]:
    """Typeset every page of a built site in place; returns (typeset now, from cache)."""
    start = time.perf_counter()
    site = Path(site_dir)
    recipe = hashlib.sha256(_recipe()).hexdigest()
    pages = sorted(site.rglob("*.html"))
    todo, keys = [], {}
    for page in pages:
        key = hashlib.sha256(recipe.encode() + page.read_bytes()).hexdigest()
        keys[page] = key
        hit = CACHE / f"{key}.html"
        if hit.is_file():
            shutil.copyfile(hit, page)
        else:
            todo.append(page)
    css_cached = CACHE / f"{recipe}.css"
    if todo:
        _run_node(todo, css_cached)
        for page in todo:
            _atomic_copy(page, CACHE / f"{keys[page]}.html")
    if not css_cached.is_file():
        raise TypesetError(f"MathJax's stylesheet {css_cached} is missing: remove .cache/math and rebuild")
    target = site / CSS
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(css_cached, target)
    log(f"math: typeset {len(todo)} page(s), {len(pages) - len(todo)} from cache, "
        f"{time.perf_counter() - start:.1f} s")
    return len(todo), len(pages) - len(todo)


def _run_node(pages: list[Path], css: Path) -> None:
    node = shutil.which("node")
    if node is None:
        raise TypesetError("Node.js is needed to typeset the math at build time (node not on PATH)")
    if not (cache.ROOT / "node_modules" / "@mathjax" / "src").is_dir():
        raise TypesetError("node_modules/@mathjax/src is missing: run `npm ci` (make install does)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=CACHE, delete=False) as f:
        json.dump({"pages": [str(p) for p in pages], "css": str(css), "width": DISPLAY_WIDTH}, f)
    try:
        proc = subprocess.run([node, str(SCRIPT), f.name], capture_output=True, text=True, timeout=900)
    finally:
        Path(f.name).unlink(missing_ok=True)
    if proc.returncode != 0:
        detail = proc.stderr.strip() or proc.stdout.strip() or f"exit status {proc.returncode}"
        raise TypesetError(f"math typesetting failed (notesbuild/typeset.mjs):\n{detail}")


def _atomic_copy(src: Path, dest: Path) -> None:
    tmp = dest.with_suffix(".tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dest)
