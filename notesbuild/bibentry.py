"""One bibliography entry and how a page shows it: authors, venue, links, the reference-list line.

An Entry holds the field values as written in the .bib file (braces and TeX kept); display text
comes from pylatexenc's LaTeX-to-text (accents such as Husz{\\'{a}}r, \\&, --, case-protecting braces).
BibError, shared by the bibliography modules, is an mkdocs PluginError: the build stops with its message.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

from mkdocs.exceptions import PluginError
from pylatexenc.latex2text import LatexNodes2Text

BIB_FILE = "references.bib"  # under docs_dir: also published, for readers who want the BibTeX
KEY_RE = re.compile(r"[A-Za-z0-9_:.+/-]+")  # what a key may contain, so that [@key] finds it on a page
VENUE_FIELDS = ("journal", "booktitle", "organization", "howpublished", "publisher")
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
        """A field as display text: TeX accents, escapes and case-protecting braces resolved."""
        return plain(self.fields.get(name, ""))

    def names(self) -> list[tuple[str, str]]:
        """(full name, surname) per author: "Last, First" and "First Last" both become "First Last";
        a braced name ({Llama Team, AI @ Meta}) and a Chinese name stay whole; `others` is kept."""
        out = []
        for raw in split_top(self.fields["author"], " and "):
            raw = raw.strip()
            if raw.startswith("{") and raw.endswith("}") and balanced(raw[1:-1]):
                out.append((plain(raw), plain(raw)))
                continue
            parts = [plain(p) for p in split_top(raw, ",")]
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


@functools.lru_cache(maxsize=4096)
def plain(value: str) -> str:
    """BibTeX field text as a reader sees it: {\\"u} -> ü, \\& -> &, -- -> –, {LLMs} -> LLMs."""
    return " ".join(LatexNodes2Text().latex_to_text(value).split())


def balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def split_top(s: str, sep: str) -> list[str]:
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
