"""Keep only the rules of a stylesheet that can match: JupyterLab's theme CSS, which mkdocs-jupyter
inlines into every notebook page, is 590 KB (90 KB gzip) and the notebook pages use a few dozen of
its classes.

`prune(css, classes)` drops every selector that names a class no page has, and every rule left with
no selector. At-rules (@media, @font-face, @keyframes, ...) are kept whole, and so are selectors that
name no class (element and :root rules, which carry the theme's variables).
"""

from __future__ import annotations

import re

CLASS_RE = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
CLASS_ATTR_RE = re.compile(r'\bclass="([^"]*)"')


def classes_in(html_text: str) -> set[str]:
    """Every class name used in a page's class attributes."""
    return {name for m in CLASS_ATTR_RE.finditer(html_text) for name in m[1].split()}


def prune(css: str, classes: set[str]) -> str:
    out, i, n = [], 0, len(css)
    while i < n:
        start = css.find("{", i)
        if start < 0:
            out.append(css[i:])
            break
        head, depth, end = css[i:start].strip(), 0, start
        while end < n:  # the matching brace (at-rules nest)
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            if depth == 0:
                break
            end += 1
        body = css[start:end + 1]
        if head.startswith("@"):
            out.append(head + body)
        else:
            keep = [s for s in _top_level_split(head) if set(CLASS_RE.findall(s)) <= classes]
            if keep:
                out.append(",".join(s.strip() for s in keep) + body)
        i = end + 1
    return "\n".join(out)


def _top_level_split(selectors: str) -> list[str]:
    """Split a selector list at its top-level commas (not those inside :is(), :not(), ...)."""
    parts, depth, last = [], 0, 0
    for i, ch in enumerate(selectors):
        depth += {"(": 1, ")": -1, "[": 1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(selectors[last:i])
            last = i + 1
    parts.append(selectors[last:])
    return parts
