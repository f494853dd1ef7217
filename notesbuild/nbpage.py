"""What a notebook page needs beyond mkdocs-jupyter's rendering.

- `strip_cdn_scripts`: nbconvert's MathJax (the site typesets math at build time) and its
  mermaid loader (a third-party request; our notebooks draw no diagrams) are dropped.
- `extract_css`: the ~570 KB of JupyterLab CSS inlined into every notebook page becomes one
  shared stylesheet, pruned in on_post_build (notesbuild/cssprune.py) and named by its content.
- `fix_heading_anchors`: mkdocs-jupyter leaves Chinese headings with id="" while its TOC uses
  "_1", "_2" (mkdocs-jupyter issue #141): both get the same readable, unique anchors.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import get_relative_url
from pymdownx.slugs import slugify

from notesbuild import cssprune

_MATHJAX = re.compile(r"<script[^>]*mathjax[^>]*>\s*</script>|<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->",
                      re.I | re.S)
_MERMAID = re.compile(r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>', re.S)
_HEADING = re.compile(r'<h([1-6])(?P<attrs>[^>]*)>(?P<body>.*?)</h\1>', re.S)
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
PRUNED = "to-prune-"  # placeholder in a stylesheet's name until it is pruned and named by its content


def strip_cdn_scripts(html_text: str) -> str:
    return _MERMAID.sub("", _MATHJAX.sub("", html_text))


def extract_css(html_text: str, page_url: str, sheets: dict, classes: set) -> str:
    """Move the page's <style> blocks into `sheets` (site path -> CSS) and link the sheet instead;
    add the page's classes to `classes` (what the pruned sheet must keep)."""
    css = "\n".join(_STYLE.findall(html_text))
    if not css:
        return html_text
    path = f"assets/stylesheets/jupyter.{PRUNED}{hashlib.sha256(css.encode()).hexdigest()[:10]}.css"
    sheets[path] = css
    html_text = f'<link rel="stylesheet" href="{get_relative_url(path, page_url)}">' + _STYLE.sub("", html_text)
    classes.update(cssprune.classes_in(html_text))
    return html_text


def write_pruned_css(site: Path, sheets: dict, classes: set) -> None:
    """Write each sheet pruned to `classes`, named by its pruned content, and point the notebook
    pages at the final names."""
    names = {}
    for path, css in sheets.items():
        pruned = cssprune.prune(css, classes)
        final = path.rsplit("/", 1)[0] + f"/jupyter.{hashlib.sha256(pruned.encode()).hexdigest()[:10]}.css"
        names[path.rsplit("/", 1)[1]] = final.rsplit("/", 1)[1]
        (site / final).parent.mkdir(parents=True, exist_ok=True)
        (site / final).write_text(pruned, encoding="utf-8")
    for page in (site / "notebooks").rglob("index.html") if names else []:
        text = page.read_text(encoding="utf-8")
        renamed = text
        for old, new in names.items():
            renamed = renamed.replace(old, new)
        if renamed != text:
            page.write_text(renamed, encoding="utf-8")


def _flatten(toc) -> list[AnchorLink]:
    out = []
    for link in toc:
        out.append(link)
        out += _flatten(link.children)
    return out


def fix_heading_anchors(html_text: str, toc, where: str) -> str:
    slug_fn = slugify(case="lower")
    links = _flatten(toc)
    headings = list(_HEADING.finditer(html_text))
    if len(headings) != len(links):
        raise PluginError(f"{where}: {len(headings)} headings but {len(links)} TOC entries")
    used: set[str] = set()
    pieces, last = [], 0
    for m, link in zip(headings, links, strict=True):
        text = re.sub(r"<[^>]+>", "", m["body"]).replace("¶", "").strip()
        anchor = slug_fn(html.unescape(text), "-") or "section"
        base, n = anchor, 1
        while anchor in used:
            anchor, n = f"{base}_{n}", n + 1
        used.add(anchor)
        attrs = re.sub(r'\s*id="[^"]*"', "", m["attrs"])
        body = re.sub(r'href="#[^"]*"', f'href="#{anchor}"', m["body"])
        pieces += [html_text[last:m.start()], f'<h{m.group(1)}{attrs} id="{anchor}">{body}</h{m.group(1)}>']
        last = m.end()
        link.id = anchor
    pieces.append(html_text[last:])
    return "".join(pieces)
