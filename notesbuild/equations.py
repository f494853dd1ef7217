"""Equation permalinks: every labelled display equation gets a stable id and a ¶ link.

Arithmatex (generic mode) writes display math as `<div class="arithmatex">\\[…\\]</div>`, and
MathJax typesets it in the browser. A block with `\\label{eq:ddpm-elbo}` is wrapped as

    <div class="eq-block" id="eq-ddpm-elbo">
      <div class="arithmatex">…</div><a class="headerlink eq-permalink" href="#eq-ddpm-elbo">¶</a>
    </div>

so the anchor is in the static HTML (it resolves before MathJax has run, and under instant
navigation), and the ¶ shows on hover like Material's heading permalinks. A block with several
labels (an `align`) gets one more empty `<span class="eq-anchor" id="eq-…">` per extra label.
docs/javascripts/mathjax-config.js points `\\eqref` links at the same ids (anchor_id below).

Labels must start with `eq:` and be unique on the page, and every `\\eqref`/`\\ref` must name
a label of the same page; otherwise EquationError names the page and the label.
"""

from __future__ import annotations

import html
import re

from mkdocs.exceptions import PluginError

BLOCK_RE = re.compile(r'<div class="arithmatex">(?P<tex>.*?)</div>', re.S)
MATH_RE = re.compile(r'<(?P<tag>span|div) class="arithmatex">(?P<tex>.*?)</(?P=tag)>', re.S)
LABEL_RE = re.compile(r"\\label\{([^}]*)\}")
REF_RE = re.compile(r"\\(?:eq)?ref\{([^}]*)\}")


class EquationError(PluginError):
    """A label or an equation reference the page cannot resolve."""


def anchor_id(label: str) -> str:
    """`eq:ddpm-elbo` -> `eq-ddpm-elbo`; the same mapping as `eqAnchor` in mathjax-config.js."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", re.sub(r"\s", "_", label))


def add_permalinks(html_text: str, where: str, mark=None) -> str:
    """Wrap each labelled display equation of a rendered page; check labels and references.

    mark(label) -> HTML (label without 'eq:'), if given, is put under the equation (notesbuild/checkmarks.py).
    """
    labels: list[str] = []
    for m in MATH_RE.finditer(html_text):
        labels += [html.unescape(x) for x in LABEL_RE.findall(m["tex"])]
    seen: set[str] = set()
    for label in labels:
        if not label.startswith("eq:"):
            raise EquationError(f"{where}: equation label '{label}' should be 'eq:<slug>-<name>'")
        if label in seen:
            raise EquationError(f"{where}: equation label '{label}' is used twice")
        seen.add(label)
    for m in MATH_RE.finditer(html_text):
        for ref in REF_RE.findall(m["tex"]):
            if html.unescape(ref) not in seen:
                raise EquationError(f"{where}: \\eqref{{{html.unescape(ref)}}} names no \\label on this page"
                                    + (f" (labels: {', '.join(sorted(seen))})" if seen else ""))
    return BLOCK_RE.sub(lambda m: _wrap(m, mark), html_text) if labels else html_text


def _wrap(m: re.Match, mark) -> str:
    labels = [html.unescape(x) for x in LABEL_RE.findall(m["tex"])]
    if not labels:
        return m[0]
    ids = [anchor_id(x) for x in labels]
    extra = "".join(f'<span class="eq-anchor" id="{i}"></span>' for i in ids[1:])
    link = f'<a class="headerlink eq-permalink" href="#{ids[0]}" title="本式的链接">¶</a>'
    marks = "".join(mark(x[3:]) for x in labels) if mark else ""
    return f'<div class="eq-block" id="{ids[0]}">{extra}{m[0]}{link}{marks}</div>'
