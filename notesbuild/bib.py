"""Citations: one bibliography (docs/references.bib), cited from pages by key; the hook's entry point.

The work is split by job:
- notesbuild/bibparse.py: read the .bib file with bibtexparser v2 and check each entry
  (types, required fields, links, duplicate keys), errors naming the file, line and key;
- notesbuild/bibentry.py: an entry and its rendering (authors, venue, links, list item);
- notesbuild/citations.py: `[@key]` on a page -> numbered links and the 参考文献 list;
- notesbuild/citethis.py: the 引用本文 block of a post.
The names below are the interface the hooks and tests use.
"""

from __future__ import annotations

from pathlib import Path

from notesbuild.bibentry import BIB_FILE, BibError, Entry  # noqa: F401 (the interface)
from notesbuild.bibparse import load, parse  # noqa: F401
from notesbuild.citations import MARKER, cite, references_markdown  # noqa: F401
from notesbuild.citethis import bibtex_online, cite_this  # noqa: F401


def finish_post(markdown: str, where: str, *, docs_dir: str, title: str, date, slug: str,
                permalink: str, author: str) -> str:
    """A post's citations and reference list, then its 引用本文 block at the very end."""
    markdown = cite(markdown, where, load(Path(docs_dir) / BIB_FILE))
    block = cite_this(title=title, date=date, slug=slug, permalink=permalink, author=author)
    return markdown.rstrip("\n") + "\n\n" + block
