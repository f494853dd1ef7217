"""Citations on a page: `[@key]` or `[@a; @b]` becomes numbered links [1][2] in order of first
citation; a locator after a comma, `[@key, 表 1]`, `[@key, §1; §5]` or `[@a, §3; @b]`, is shown inside the link
([1, 表 1]); the `## 参考文献` list is generated at `<!-- references -->` or at the end of the page.
Code (fenced or inline) is left alone. An unknown key, a malformed citation or a hand-written
reference section raises BibError naming the page and the line.
"""

from __future__ import annotations

import difflib
import html
import re

from notesbuild.bibentry import BIB_FILE, KEY_RE, BibError, Entry

MARKER = "<!-- references -->"
LONG_LOCATOR = 16  # characters; longer locators may wrap inside the link (notes.css)
CITE_RE = re.compile(r"\[(@[^\[\]\n]*)\]")
FENCE_RE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
INLINE_CODE_RE = re.compile(r"(`+)[^`]*?\1")
HAND_WRITTEN_RE = re.compile(r"^#{1,6}[ \t]+(参考文献|引用本文)[ \t]*$", re.M)


def cite(markdown: str, where: str, entries: dict[str, Entry]) -> str:
    """Number the `[@key]` citations of a page and generate its reference list."""
    hand = HAND_WRITTEN_RE.search(markdown)
    if hand:
        raise BibError(f"{where}: has a hand-written '{hand[0].strip()}' section; the build generates it "
                       f"(cite papers as [@key] from docs/{BIB_FILE} and delete the section)")
    order: dict[str, int] = {}

    def replace(m: re.Match, lineno: int) -> str:
        cites, items = [], []
        for item in m[1].split(";"):  # "[@a, §1; §5]": a part without @ continues the locator before it
            if items and not item.strip().startswith("@"):
                items[-1] += ";" + item
            else:
                items.append(item)
        for item in items:
            key, _, locator = (part.strip() for part in item.strip().partition(","))
            if not key.startswith("@") or not KEY_RE.fullmatch(key[1:]) or (_ and not locator):
                raise BibError(f"{where}: malformed citation '{m[0]}' on line {lineno} "
                               "(write [@key], [@key, 表 1] with a locator, [@key, §1; §5], or [@a; @b, §3] for several)")
            cites.append((key[1:], locator))
        links = []
        for key, locator in cites:
            if key not in entries:
                near = difflib.get_close_matches(key, entries, n=3)
                hint = f"; did you mean {', '.join(near)}?" if near else ""
                raise BibError(f"{where}: unknown citation key '{key}' on line {lineno} "
                               f"(not in docs/{BIB_FILE}){hint}")
            number = order.setdefault(key, len(order) + 1)
            tip = html.escape(entries[key].short().replace("$", ""), quote=True)
            where_in = f", {html.escape(locator)}" if locator else ""
            # a short citation ([3, 表 1]) stays on one line; a long locator (a file path and a
            # function) must wrap, or it pushes the page wider than a phone
            kind = "citation citation--long" if len(locator) > LONG_LOCATOR else "citation"
            links.append(f'<a class="{kind}" href="#ref-{key}" title="{tip}">&#91;{number}{where_in}&#93;</a>')
        return "".join(links)

    markdown = _outside_code(markdown, replace, where)
    body = references_markdown([entries[k] for k in order]) if order else ""
    if MARKER in markdown:
        return markdown.replace(MARKER, body, 1)
    return markdown.rstrip("\n") + "\n\n" + body if body else markdown


def references_markdown(cited: list[Entry]) -> str:
    """`## 参考文献` and the numbered list, in citation order; items are anchors #ref-<key>."""
    items = "\n".join(f'<li id="ref-{e.key}">{e.html()}</li>' for e in cited)
    return f'## 参考文献\n\n<ol class="bibliography">\n{items}\n</ol>\n'


def _outside_code(markdown: str, fn, where: str) -> str:
    """Apply the citation replacement outside fenced and inline code; a '[@' left over is an error."""
    out, fence = [], ""
    for lineno, line in enumerate(markdown.splitlines(keepends=True), start=1):
        m = FENCE_RE.match(line)
        if fence:
            if m and m["fence"][0] == fence[0] and len(m["fence"]) >= len(fence):
                fence = ""
            out.append(line)
            continue
        if m:
            fence = m["fence"]
            out.append(line)
            continue
        pieces, last = [], 0
        for code in INLINE_CODE_RE.finditer(line):
            pieces += [_cite_text(line[last:code.start()], fn, lineno, where), code[0]]
            last = code.end()
        pieces.append(_cite_text(line[last:], fn, lineno, where))
        out.append("".join(pieces))
    return "".join(out)


def _cite_text(text: str, fn, lineno: int, where: str) -> str:
    text = CITE_RE.sub(lambda m: fn(m, lineno), text)
    if "[@" in text:
        raise BibError(f"{where}: unclosed citation '[@' on line {lineno} (write [@key]; a locator holds "
                       "plain text, no `code`)")
    return text
