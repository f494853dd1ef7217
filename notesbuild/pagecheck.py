"""Check one post against its executed notebook, without building the site.

    python -m notesbuild.pagecheck SLUG [SLUG ...]

Executes the notebook if the cache lacks it (like the build), then reports what the build would
reject: `{{nb:…}}` values and `nb:` figures the notebook does not produce, citations the
bibliography cannot resolve or parse (notesbuild/bib.py), and labelled equations with neither a
check nor an `unchecked` reason (notesbuild/checkmarks.py). Prints each labelled
equation with what backs it and `equations checked: k/m`. Exit status 1 on any problem.
"""

from __future__ import annotations

import argparse
import sys

from mkdocs.exceptions import PluginError
from mkdocs.utils.meta import get_data

from notesbuild import bib, cache, checkmarks, execute, outputs
from notesbuild.hooks.pages import FIGURE_RE, VALUE_RE  # the build's own readers
from notesbuild.posts import front_matter as _front_matter

DOCS = cache.ROOT / "docs"


def post_of(slug: str):
    for path in sorted(DOCS.glob("*/*.md")):
        source = path.read_text(encoding="utf-8")
        markdown, _ = get_data(source)
        meta = _front_matter(path.relative_to(cache.ROOT).as_posix(), source)  # says what is wrong, where
        if meta.get("notebook") == slug:
            return path, markdown, meta, checkmarks.first_line(source, markdown)
    raise SystemExit(f"no post under docs/ has `notebook: {slug}` in its front matter")


def check(slug: str) -> list[str]:
    path, markdown, meta, first_line = post_of(slug)
    where = path.relative_to(cache.ROOT).as_posix()
    nb = execute.ensure_executed([slug])[slug].notebook
    problems = []
    try:
        produced = outputs.read(slug, nb)
    except PluginError as exc:
        return [str(exc)]
    for name in sorted({m["name"] for m in FIGURE_RE.finditer(markdown)} - set(produced.figures)):
        problems.append(f"{where}: figure nb:{name} is not shown by the notebook")
    for name in sorted({m["name"] for m in VALUE_RE.finditer(markdown)} - set(produced.values)):
        problems.append(f"{where}: value {{{{nb:{name}}}}} is not published by the notebook")
    try:  # [@key, locator] citations, as the build resolves them (an unknown key, a stray '[')
        bib.cite(markdown, where, bib.load(DOCS / bib.BIB_FILE))
    except bib.BibError as exc:
        problems.append(str(exc))
    checks = checkmarks.annotate(nb)
    try:
        cov = checkmarks.coverage(where, markdown, checks, meta.get("unchecked"), slug, first_line)
    except PluginError as exc:
        problems.append(str(exc))
        return problems
    for label, line in cov.labels.items():
        if label in cov.checks:
            backs = "; ".join(f"cell {c.cell}: {c.name} = {c.value:.3g} < {c.bound:.3g}" for c in cov.checks[label])
        else:
            backs = f"unchecked: {cov.unchecked[label]}"
        print(f"  eq:{label} (line {line}): {backs}")
    print(cov.summary)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="+")
    args = parser.parse_args(argv)
    problems = []
    for slug in args.slugs:
        try:
            problems += check(slug)
        except (execute.ExecutionError, cache.NotebookSourceError) as exc:
            problems.append(str(exc))
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
