"""Reading docs/references.bib: bibtexparser v2 parses the BibTeX, this module checks the entries.

bibtexparser runs with no middleware, so each value arrives as written ({braced}, "quoted", a number
or a macro) and this module decides what the site accepts:
- the month macros (`month = jan`, as DBLP writes them); other macros, @string, @preamble and
  `#` concatenation are errors (write the text out);
- fields that exports add for their own bookkeeping (DBLP: bibsource, biburl, timestamp) are dropped;
- every entry has a known type, that type's required fields, only known fields, a four-digit year,
  a readable author list and a link (eprint, doi or url); keys are unique.
Every error is a BibError naming the file, the line and the key.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path

import bibtexparser
from bibtexparser import model

from notesbuild.bibentry import BIB_FILE, KEY_RE, VENUE_FIELDS, BibError, Entry, balanced

# type -> fields it must have; every entry also needs a link (eprint, doi or url).
REQUIRED = {
    "article": ("author", "title", "journal", "year"),
    "inproceedings": ("author", "title", "booktitle", "year"),
    "book": ("author", "title", "publisher", "year"),
    "misc": ("author", "title", "year"),
    "online": ("author", "title", "year", "url"),
}
OPTIONAL = {"volume", "number", "pages", "month", "date", "publisher", "organization", "howpublished",
            "eprint", "archiveprefix", "eprinttype", "primaryclass", "doi", "url", "urldate", "note", "langid",
            "editor", "series", "address", "isbn", "edition", "chapter"}
# Written by exports for their own use and meaningless here: DBLP's record bookkeeping, and its
# crossref to a proceedings entry that is not in this file (the entry carries its booktitle itself).
IGNORED = {"bibsource", "biburl", "timestamp", "crossref"}
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

ARXIV_RE = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
HEAD_RE = re.compile(r"@\s*(\w+)\s*[{(]\s*([^\s,{}()]*)")


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
    quiet = logging.getLogger("bibtexparser")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # its warnings repeat the BibError below
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    finally:
        quiet.setLevel(level)
    entries: dict[str, Entry] = {}
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, (model.ImplicitComment, model.ExplicitComment)):
            continue
        if isinstance(block, model.DuplicateBlockKeyBlock):
            first = entries[block.key].line if block.key in entries else "?"
            raise BibError(f"{source}:{line}: duplicate key '{block.key}' (first defined on line {first})")
        if isinstance(block, model.DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
            names = ", ".join(sorted(block.duplicate_keys))
            raise BibError(f"{source}:{(entry.start_line or 0) + 1}: entry '{entry.key}': field '{names}' is given twice")
        if isinstance(block, model.ParsingFailedBlock):
            raise BibError(f"{source}:{line}: {_head(block.raw)}: "
                           f"{getattr(block.error, 'abort_reason', None) or block.error}")
        if isinstance(block, (model.String, model.Preamble)):
            kind = "string" if isinstance(block, model.String) else "preamble"
            raise BibError(f"{source}:{line}: @{kind} is not supported; write the text out in each entry")
        entry = _entry(block, source, line)
        if entry.key in entries:
            raise BibError(f"{source}:{line}: duplicate key '{entry.key}' "
                           f"(first defined on line {entries[entry.key].line})")
        check(entry)
        entries[entry.key] = entry
    return entries


def _entry(block: model.Entry, source: str, line: int) -> Entry:
    kind = block.entry_type.lower()
    if not KEY_RE.fullmatch(block.key):
        raise BibError(f"{source}:{line}: @{kind} entry has no key (letters, digits, _:.+/- only)")
    where = f"{source}:{line}: entry '{block.key}'"
    fields: dict[str, str] = {}
    for field in block.fields:
        name = field.key.lower()
        if name in fields:
            raise BibError(f"{where}: field '{name}' is given twice")
        value = _value(str(field.value), name, f"{where}, field '{name}'")
        if name not in IGNORED:
            fields[name] = value
    return Entry(kind, block.key, fields, line, source)


def _value(raw: str, name: str, where: str) -> str:
    """A field's text from its raw form: {braced}, "quoted", a number, or a month macro."""
    raw = raw.strip()
    if _top_level_hash(raw):
        raise BibError(f"{where}: '#' concatenation is not supported")
    if raw[:1] == "{" and raw[-1:] == "}" or raw[:1] == '"' and raw[-1:] == '"':
        value = raw[1:-1]
    elif raw.isdigit():
        value = raw
    elif name == "month" and raw.lower() in MONTHS:
        value = raw.lower()
    else:
        raise BibError(f"{where}: '{raw}' is a macro this site does not define; write the value in braces")
    return " ".join(value.split())


def _top_level_hash(raw: str) -> bool:
    depth, quoted = 0, False
    for ch in raw:
        if ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "#" and depth == 0 and not quoted:
            return True
    return False


def check(e: Entry) -> None:
    """The site's rules for one entry (see the module docstring)."""
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
    if not balanced(e.fields["author"]) or any(not full.strip() for full, _ in e.names()):
        raise BibError(f"{where}: cannot read the author list '{e.fields['author']}'")
    if not any(e.fields.get(f) for f in ("eprint", "doi", "url")):
        raise BibError(f"{where}: needs a link: eprint (arXiv id), doi or url")
    if e.fields.get("eprint") and not ARXIV_RE.match(e.fields["eprint"]):
        raise BibError(f"{where}: eprint '{e.fields['eprint']}' is not an arXiv id like 2006.11239")
    for prefix in ("archiveprefix", "eprinttype"):
        if e.fields.get(prefix, "arXiv").lower() != "arxiv":
            raise BibError(f"{where}: only arXiv eprints are linked ({prefix} = {{arXiv}})")
    if e.fields.get("doi") and not DOI_RE.match(e.fields["doi"]):
        raise BibError(f"{where}: doi '{e.fields['doi']}' does not look like 10.xxxx/…")
    if e.fields.get("url") and not re.match(r"https?://\S+$", e.fields["url"]):
        raise BibError(f"{where}: url '{e.fields['url']}' is not an http(s) address")


def _head(raw: str | None) -> str:
    """ "entry 'key'" (or "@type entry") from the raw text of a block that failed to parse."""
    m = HEAD_RE.match((raw or "").lstrip())
    if not m:
        return "expected '@type{key, …}'"
    return f"entry '{m[2]}'" if m[2] else f"@{m[1].lower()} entry"


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
