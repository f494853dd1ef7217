"""Start a post: its page and its notebook, from the templates in notesbuild/templates/.

    python -m notesbuild.newpost SECTION SLUG [--title TITLE]     (make new-post SECTION=… SLUG=…)

The page has the front matter the build requires, one labelled equation, a figure and a number from
the notebook; the notebook has the setup cell, one by_profile constants block, a numbered section,
a 检验 section with a check naming the equation and its negative control, and the published numbers
last. Both build and pass the tests as they are; then the author replaces the content.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path

import nbformat
from mkdocs.utils import yaml_load

from notesbuild import cache
from notesbuild.templates.notebook import CELLS

ROOT = cache.ROOT
TEMPLATES = Path(__file__).with_name("templates")
SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def sections(root: Path = ROOT) -> dict:
    with open(root / "mkdocs.yml", encoding="utf-8") as f:
        return (yaml_load(f).get("extra") or {}).get("sections") or {}


def new_post(section: str, slug: str, title: str | None = None, root: Path = ROOT,
             today: dt.date | None = None) -> tuple[Path, Path]:
    """Write docs/<section>/<slug>.md and notebooks/<slug>.ipynb; returns their paths."""
    known = sections(root)
    if section not in known:
        raise ValueError(f"section {section!r} is not in mkdocs.yml extra.sections ({', '.join(known)})")
    if not SLUG_RE.fullmatch(slug):
        raise ValueError(f"slug {slug!r}: lower-case words joined by hyphens, e.g. flow-matching")
    page, notebook = root / "docs" / section / f"{slug}.md", root / "notebooks" / f"{slug}.ipynb"
    taken = [str(p.relative_to(root)) for p in (page, notebook) if p.exists()]
    taken += [str(p.relative_to(root)) for p in (root / "docs").glob(f"*/{slug}.md") if p != page]
    if taken:
        raise ValueError(f"{', '.join(taken)} already exists: choose another slug")
    # the section's name is the one tag the template starts with (the site's tag list holds every section name)
    fields = {"title": title or slug, "slug": slug, "section": section, "tag": known[section],
              "date": (today or dt.date.today()).isoformat()}
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text((TEMPLATES / "post.md").read_text(encoding="utf-8").format(**fields), encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.cells = [(nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell)(
        source.format(**fields), id=f"cell-{i}") for i, (kind, source) in enumerate(CELLS)]
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(nb, str(notebook))
    return page, notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("section")
    parser.add_argument("slug")
    parser.add_argument("--title", help="the post's title (default: the slug)")
    args = parser.parse_args(argv)
    try:
        page, notebook = new_post(args.section, args.slug, args.title)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {page.relative_to(ROOT)} and {notebook.relative_to(ROOT)}; "
          f"check them with: python -m notesbuild.pagecheck {args.slug}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
