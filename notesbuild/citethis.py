"""`## 引用本文`: how to cite a post, built from its front matter — a plain-text citation and a
biblatex `@online` entry (key mlnotes-<slug>), each in a code block."""

from __future__ import annotations

import re

from notesbuild.bibentry import BibError


def cite_this(*, title: str, date, slug: str, permalink: str, author: str) -> str:
    """The 引用本文 block; `urldate` (the reader's access date) is the reader's to add."""
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
