"""Citations: one bibliography (docs/references.bib), cited from pages by key.

- load(path): read the BibTeX file with a small parser of the subset the site uses
  (`@type{key, field = {…} | "…" | 2020, …}`; text outside entries is a comment).
  A malformed entry, an unknown type or field, a missing field or a duplicate key
  raises BibError naming the file, the line and the key.
- cite(markdown, where, entries): `[@key]` or `[@a; @b]` in a page becomes numbered
  links [1][2] in order of first citation; a locator after a comma, `[@key, 表 1]` or
  `[@a, §3; @b]`, is shown inside the link ([1, 表 1]), and the `## 参考文献` list is generated at
  `<!-- references -->` or at the end of the page. An unknown key raises BibError
  naming the page and the key.
- cite_this(...): the `## 引用本文` block of a post, built from its front matter:
  a plain-text citation and a biblatex `@online` entry, each in a code block.

BibError is an mkdocs PluginError, so the build stops with its message.
"""

from __future__ import annotations

import difflib
import functools
import html
import re
from dataclasses import dataclass
from pathlib import Path

from mkdocs.exceptions import PluginError

BIB_FILE = "references.bib"  # under docs_dir: also published, for readers who want the BibTeX
MARKER = "<!-- references -->"

# type -> fields it must have; every entry also needs a link (eprint, doi or url).
REQUIRED = {
    "article": ("author", "title", "journal", "year"),
    "inproceedings": ("author", "title", "booktitle", "year"),
    "book": ("author", "title", "publisher", "year"),
    "misc": ("author", "title", "year"),
    "online": ("author", "title", "year", "url"),
}
OPTIONAL = {"volume", "number", "pages", "month", "date", "publisher", "organization", "howpublished",
            "eprint", "archiveprefix", "primaryclass", "doi", "url", "urldate", "note", "langid"}
VENUE_FIELDS = ("journal", "booktitle", "organization", "howpublished", "publisher")

ARXIV_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
KEY_RE = re.compile(r"[A-Za-z0-9_:.+/-]+")
ENTRY_RE = re.compile(r"@([A-Za-z]+)\s*\{")
FIELD_RE = re.compile(r"([A-Za-z][\w-]*)\s*=\s*")
NUMBER_RE = re.compile(r"\d+")
CITE_RE = re.compile(r"\[(@[^\[\]\n]*)\]")
FENCE_RE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})")
INLINE_CODE_RE = re.compile(r"(`+)[^`]*?\1")
HAND_WRITTEN_RE = re.compile(r"^#{1,6}[ \t]+(参考文献|引用本文)[ \t]*$", re.M)
CJK_RE = re.compile(r"[\u3400-\u9fff]")


class BibError(PluginError):
    """A malformed bibliography, or a page that cites what it does not contain."""


@dataclass
class Entry:
    type: str
    key: str
    fields: dict[str, str]
    line: int = 0
    source: str = BIB_FILE

    def text(self, name: str) -> str:
        """A field as display text: braces (case protection) and TeX escapes removed."""
        return _plain(self.fields.get(name, ""))

    def names(self) -> list[tuple[str, str]]:
        """(full name, surname) per author: "Last, First" and "First Last" both become "First Last";
        a braced name ({Llama Team, AI @ Meta}) and a Chinese name stay whole; `others` is kept."""
        out = []
        for raw in _split_top(self.fields["author"], " and "):
            raw = raw.strip()
            if raw.startswith("{") and raw.endswith("}") and _balanced(raw[1:-1]):
                out.append((_plain(raw), _plain(raw)))
                continue
            parts = [_plain(p) for p in _split_top(raw, ",")]
            if len(parts) == 1:
                name = parts[0]
                out.append((name, name if CJK_RE.search(name) else name.split()[-1] if name else ""))
            elif len(parts) == 2:  # Last, First
                out.append((f"{parts[1]} {parts[0]}", parts[0]))
            else:  # Last, Jr, First
                out.append((f"{parts[2]} {parts[0]}, {parts[1]}", parts[0]))
        return out

    def author_text(self) -> str:
        names = [full for full, _ in self.names()]
        if len(names) > 1 and names[-1] == "others":
            return ", ".join(names[:-1]) + ", et al."
        return ", ".join(names)

    def short(self) -> str:
        """A one-line tooltip: "Ho et al. 2020. Denoising Diffusion Probabilistic Models"."""
        surnames = [last for _, last in self.names()]
        if len(surnames) == 1:
            who = surnames[0]
        elif len(surnames) == 2 and surnames[1] != "others":
            who = f"{surnames[0]} & {surnames[1]}"
        else:
            who = f"{surnames[0]} et al."
        return f"{who} {self.text('year')}. {self.text('title')}"

    def venue_text(self) -> str:
        """e.g. "NeurIPS, 2020", "Neural Computation 23(7), 2011", "Machine Learning 8, 229–256, 1992"."""
        venue = next((self.text(f) for f in VENUE_FIELDS if self.fields.get(f)), "")
        volume, number = self.text("volume"), self.text("number")
        if volume:
            venue = f"{venue} {volume}" + (f"({number})" if number else "")
        pages = self.text("pages")  # 229--256 -> 229–256
        return ", ".join(p for p in (venue.strip(), pages, self.text("year")) if p)

    def links(self) -> list[tuple[str, str]]:
        """(label, url): arXiv and DOI when present, else the url."""
        out = []
        if self.fields.get("eprint"):
            out.append((f"arXiv:{self.fields['eprint']}", f"https://arxiv.org/abs/{self.fields['eprint']}"))
        if self.fields.get("doi"):
            out.append((f"doi:{self.fields['doi']}", f"https://doi.org/{self.fields['doi']}"))
        if not out and self.fields.get("url"):
            out.append((self.fields["url"], self.fields["url"]))
        return out

    def html(self) -> str:
        """The entry as it appears in a page's reference list."""
        title = html.escape(self.text("title"))
        title = f"《{title}》" if CJK_RE.search(title) else f"<em>{title}</em>"
        links = " ".join(f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>'
                         for label, url in self.links())
        authors = self.author_text()
        authors += "" if authors.endswith(".") else "."  # "et al." has its period
        return f"{html.escape(authors)} {title}. {html.escape(self.venue_text())}. {links}".rstrip()


# ---------------------------------------------------------------- parsing

def load(path: Path) -> dict[str, Entry]:
    """The bibliography at `path`, parsed once per content (so `mkdocs serve` sees edits)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BibError(f"{_display(path)} is missing: it holds every paper the posts cite") from None
    return _parse_cached(text, _display(path))


@functools.lru_cache(maxsize=4)
def _parse_cached(text: str, source: str) -> dict[str, Entry]:
    return parse(text, source)


def parse(text: str, source: str = BIB_FILE) -> dict[str, Entry]:
    """Parse and check BibTeX text; keys are case-sensitive and must be unique."""
    entries: dict[str, Entry] = {}
    pos = 0
    while True:
        at = _next_entry(text, pos)
        if at < 0:
            return entries
        entry, pos = _parse_entry(text, at, source)
        if entry is None:  # @comment
            continue
        if entry.key in entries:
            raise BibError(f"{source}:{entry.line}: duplicate key '{entry.key}' "
                           f"(first defined on line {entries[entry.key].line})")
        _check(entry)
        entries[entry.key] = entry


def _next_entry(text: str, pos: int) -> int:
    """Index of the next '@' that starts an entry, skipping %-comments between entries."""
    while pos < len(text):
        ch = text[pos]
        if ch == "@":
            return pos
        if ch == "%":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        pos += 1
    return -1


def _parse_entry(text: str, at: int, source: str) -> tuple[Entry | None, int]:
    line = text.count("\n", 0, at) + 1
    m = ENTRY_RE.match(text, at)
    if not m:
        raise BibError(f"{source}:{line}: expected '@type{{key, …}}' after '@'")
    kind = m[1].lower()
    if kind == "comment":
        return None, _skip_braced(text, m.end() - 1, source, line)
    if kind in ("string", "preamble"):
        raise BibError(f"{source}:{line}: @{kind} is not supported; write the text out in each entry")
    pos = _skip_space(text, m.end())
    km = KEY_RE.match(text, pos)
    if not km:
        raise BibError(f"{source}:{line}: @{kind} entry has no key (letters, digits, _:.+/- only)")
    key = km[0]
    where = f"{source}:{line}: entry '{key}'"
    pos = _skip_space(text, km.end())
    fields: dict[str, str] = {}
    while True:
        if pos >= len(text):
            raise BibError(f"{where} is not closed with '}}'")
        if text[pos] == "}":
            return Entry(kind, key, fields, line, source), pos + 1
        if text[pos] != ",":
            raise BibError(f"{where}: expected ',' or '}}' on line {text.count(chr(10), 0, pos) + 1}, "
                           f"found {text[pos:pos + 20]!r}")
        pos = _skip_space(text, pos + 1)
        if pos < len(text) and text[pos] == "}":  # trailing comma
            continue
        fm = FIELD_RE.match(text, pos)
        if not fm:
            raise BibError(f"{where}: expected 'field = {{value}}' on line {text.count(chr(10), 0, pos) + 1}, "
                           f"found {text[pos:pos + 20]!r}")
        name = fm[1].lower()
        value, pos = _parse_value(text, fm.end(), f"{where}, field '{name}'")
        if name in fields:
            raise BibError(f"{where}: field '{name}' is given twice")
        fields[name] = " ".join(value.split())
        pos = _skip_space(text, pos)


def _parse_value(text: str, pos: int, where: str) -> tuple[str, int]:
    if pos < len(text) and text[pos] == "{":
        end = _skip_braced(text, pos, where, 0)
        value = text[pos + 1:end - 1]
    elif pos < len(text) and text[pos] == '"':
        end, depth = pos + 1, 0
        while end < len(text) and not (text[end] == '"' and depth == 0):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        if end >= len(text):
            raise BibError(f"{where}: the quoted value is not closed")
        value, end = text[pos + 1:end], end + 1
    else:
        m = NUMBER_RE.match(text, pos)
        if not m:
            raise BibError(f"{where}: a value is {{braced}}, \"quoted\" or a number")
        value, end = m[0], m.end()
    if _skip_space(text, end) < len(text) and text[_skip_space(text, end)] == "#":
        raise BibError(f"{where}: '#' concatenation is not supported")
    return value, end


def _skip_braced(text: str, pos: int, where: str, line: int) -> int:
    """Index just past the '}' matching the '{' at pos."""
    depth = 0
    for i in range(pos, len(text)):
        escaped = i > pos and text[i - 1] == "\\"  # \{ and \} are literal braces
        if text[i] == "{" and not escaped:
            depth += 1
        elif text[i] == "}" and not escaped:
            depth -= 1
            if depth == 0:
                return i + 1
    raise BibError(f"{where}{f':{line}' if line else ''}: unbalanced braces")


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _check(e: Entry) -> None:
    where = f"{e.source}:{e.line}: entry '{e.key}'"
    if e.type not in REQUIRED:
        raise BibError(f"{where}: unknown type @{e.type} (use one of {', '.join('@' + t for t in REQUIRED)})")
    missing = [f for f in REQUIRED[e.type] if not e.fields.get(f)]
    if missing:
        raise BibError(f"{where}: @{e.type} lacks {', '.join(missing)}")
    unknown = sorted(set(e.fields) - set(REQUIRED[e.type]) - OPTIONAL - {"author", "title", "year"} - set(VENUE_FIELDS))
    if unknown:
        raise BibError(f"{where}: unknown field {', '.join(unknown)}")
    if not re.fullmatch(r"\d{4}", e.fields["year"]):
        raise BibError(f"{where}: year '{e.fields['year']}' is not a four-digit year")
    if not _balanced(e.fields["author"]) or any(not full.strip() for full, _ in e.names()):
        raise BibError(f"{where}: cannot read the author list '{e.fields['author']}'")
    if not any(e.fields.get(f) for f in ("eprint", "doi", "url")):
        raise BibError(f"{where}: needs a link: eprint (arXiv id), doi or url")
    if e.fields.get("eprint") and not ARXIV_RE.match(e.fields["eprint"]):
        raise BibError(f"{where}: eprint '{e.fields['eprint']}' is not an arXiv id like 2006.11239")
    if e.fields.get("archiveprefix", "arXiv").lower() != "arxiv":
        raise BibError(f"{where}: only arXiv eprints are linked (archiveprefix = {{arXiv}})")
    if e.fields.get("doi") and not DOI_RE.match(e.fields["doi"]):
        raise BibError(f"{where}: doi '{e.fields['doi']}' does not look like 10.xxxx/…")
    if e.fields.get("url") and not re.match(r"https?://\S+$", e.fields["url"]):
        raise BibError(f"{where}: url '{e.fields['url']}' is not an http(s) address")


_TEX_ESCAPES = {r"\&": "&", r"\%": "%", r"\_": "_", r"\#": "#", r"\$": "$", "---": "—", "--": "–", "~": "\u00a0"}


def _plain(value: str) -> str:
    for tex, ch in _TEX_ESCAPES.items():
        value = value.replace(tex, ch)
    return re.sub(r"(?<!\\)[{}]", "", value).strip()


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _split_top(s: str, sep: str) -> list[str]:
    """Split at `sep` outside braces."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(s):
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
        elif depth == 0 and s.startswith(sep, i):
            parts.append(s[start:i])
            start = i = i + len(sep)
            continue
        i += 1
    parts.append(s[start:])
    return parts


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- citing

def cite(markdown: str, where: str, entries: dict[str, Entry]) -> str:
    """Number the `[@key]` citations of a page and generate its reference list."""
    hand = HAND_WRITTEN_RE.search(markdown)
    if hand:
        raise BibError(f"{where}: has a hand-written '{hand[0].strip()}' section; the build generates it "
                       f"(cite papers as [@key] from docs/{BIB_FILE} and delete the section)")
    order: dict[str, int] = {}

    def replace(m: re.Match, lineno: int) -> str:
        cites = []
        for item in m[1].split(";"):
            key, _, locator = (part.strip() for part in item.strip().partition(","))
            if not key.startswith("@") or not KEY_RE.fullmatch(key[1:]) or (_ and not locator):
                raise BibError(f"{where}: malformed citation '{m[0]}' on line {lineno} "
                               "(write [@key], [@key, 表 1] with a locator, or [@a; @b, §3] for several)")
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
            links.append(f'<a class="citation" href="#ref-{key}" title="{tip}">&#91;{number}{where_in}&#93;</a>')
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
        raise BibError(f"{where}: unclosed citation '[@' on line {lineno} (write [@key])")
    return text


# ---------------------------------------------------------------- citing this page

def cite_this(*, title: str, date, slug: str, permalink: str, author: str) -> str:
    """`## 引用本文`: plain text and a biblatex @online entry; `urldate` is the reader's to add."""
    if not permalink or not author:
        raise BibError("site_url and site_author must be set in mkdocs.yml: the 引用本文 block needs them")
    plain = f"{author}.《{title}》. {date:%Y-%m-%d}. {permalink}"
    return (
        "## 引用本文\n\n"
        "纯文本或 BibTeX（biblatex 的 `@online` 条目；访问日期 `urldate` 请自行补上）：\n\n"
        f'```{{ .text .cite-plain title="纯文本" }}\n{plain}\n```\n\n'
        f'```bibtex title="BibTeX"\n{bibtex_online(title=title, date=date, slug=slug, permalink=permalink, author=author)}```\n'
    )


def bibtex_online(*, title: str, date, slug: str, permalink: str, author: str) -> str:
    """The @online entry for one page; its key, mlnotes-<slug>, stays the same when the title changes."""
    rows = [("author", f"{{{_tex(author)}}}"), ("title", f"{{{_tex(title)}}}"), ("date", f"{date:%Y-%m-%d}"),
            ("year", f"{date:%Y}"), ("url", permalink)]
    body = "".join(f"  {name:<6} = {{{value}}},\n" for name, value in rows)
    return f"@online{{mlnotes-{slug},\n{body}}}\n"


def _tex(text: str) -> str:
    return re.sub(r"([&%$#_])", r"\\\1", text)


# ---------------------------------------------------------------- the hook's entry point

def finish_post(markdown: str, where: str, *, docs_dir: str, title: str, date, slug: str,
                permalink: str, author: str) -> str:
    """A post's citations and reference list, then its 引用本文 block at the very end."""
    markdown = cite(markdown, where, load(Path(docs_dir) / BIB_FILE))
    block = cite_this(title=title, date=date, slug=slug, permalink=permalink, author=author)
    return markdown.rstrip("\n") + "\n\n" + block
