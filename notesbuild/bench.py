"""Benchmark of what readers and authors wait for (`make bench`; not a test).

Measures, on this machine:
- cold build (empty execution cache), warm rebuild (nothing changed), rebuild after
  a prose-only edit, rebuild after editing one snippet (how many notebooks re-run);
- the share of a warm rebuild spent in notesbuild's hooks (cache keys, merging,
  outputs), i.e. warm rebuild vs a plain mkdocs build of the same pages;
- each notebook's execution seconds (profile from NOTES_PROFILE);
- math on the slowest post, old beside new: until the math is shown on a first visit, in headless
  Chromium, and the first visit's bytes. New: MathJax 4 typesets at build time (notesbuild/typeset.py),
  so the math is in the HTML. Old: the same page built without that step, with MathJax 3 typesetting
  in the browser as the site did before (mathjax@3.2.2, installed into .cache/bench/ for this);
  and the build-time cost of typesetting every page;
- transferred size (gzip) of each page: HTML, images, scripts and styles.

Prints the tables and writes them to BENCHMARK.md. Budgets (a post's own HTML and figures
< 400 KB gzip, a notebook page's < 300 KB; warm rebuild <= 1.5x plain) are reported, not
asserted; the shared scripts, styles, fonts and search index are reported beside them.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from notesbuild import cache
from notesbuild.benchweb import OLD_MATHJAX, browser_measures, home_at, old_rendering_site

ROOT = cache.ROOT
SITE = ROOT / "site"
OUT = ROOT / "BENCHMARK.md"
POST_BUDGET_KB, NOTEBOOK_BUDGET_KB, WARM_RATIO_BUDGET = 400, 300, 1.5
FIRST_VISIT_POST_KB, FIRST_VISIT_NOTEBOOK_KB, MATH_READY_BUDGET_S = 500, 600, 0.3
HOME_BUDGET_KB, SITE_POSTS = 300, 41  # the home page with every post of the plan (content map) as a card


def build(label: str) -> dict:
    """Run `mkdocs build`; returns seconds, executed/cached counts and the hooks' own time."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    log = proc.stdout + proc.stderr
    if proc.returncode:
        sys.exit(f"bench: build '{label}' failed:\n{log}")
    counts = re.search(r"notebooks: executed=(\d+) cached=(\d+)", log)
    hooks = sum(float(x) for x in re.findall(r"notesbuild time: ([\d.]+) s", log))
    math = re.search(r"math: typeset (\d+) page\(s\), (\d+) from cache, ([\d.]+) s", log)
    result = {"label": label, "seconds": seconds, "executed": int(counts[1]), "cached": int(counts[2]),
              "hooks": hooks, "math_pages": int(math[1]), "math_seconds": float(math[3])}
    print(f"{label:<32} {seconds:7.1f} s   executed={result['executed']} cached={result['cached']}")
    return result


def edit_and_build(label: str, path: Path, append: str) -> dict:
    original = path.read_bytes()
    try:
        path.write_bytes(original + append.encode("utf-8"))
        return build(label)
    finally:
        path.write_bytes(original)


def main() -> int:
    shutil.rmtree(ROOT / ".cache", ignore_errors=True)
    print(f"bench on {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"profile {cache.profile()}")
    builds = [build("cold build (empty cache)"), build("warm rebuild (nothing changed)")]
    warm = builds[1]
    post = next(iter(sorted((ROOT / "docs").glob("*/*.md"))))
    builds.append(edit_and_build(f"prose edit ({post.relative_to(ROOT)})", post, "\n\n本句为基准测试临时添加。\n"))
    snippet = ROOT / "snippets" / "metrics.py"
    builds.append(edit_and_build(f"snippet edit ({snippet.relative_to(ROOT)})", snippet, "\n# bench edit\n"))
    build("restore (snippet edit undone)")

    records = [json.loads(p.read_text()) for p in (ROOT / ".cache" / "executions").glob("*/record.json")]
    latest: dict[str, dict] = {}
    for r in sorted(records, key=lambda r: r["executed_at"]):
        latest[r["notebook"]] = r
    old_site = old_rendering_site()
    measured = browser_measures(old_site)
    weights, slowest = measured["weights"], measured["slowest"]
    new_w, old_w = measured["weight_new"], measured["weight_old"]
    cold = builds[0]

    plain = warm["seconds"] - warm["hooks"]
    lines = [
        "# Benchmark",
        "",
        f"`make bench` on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"profile `{cache.profile()}`, {time.strftime('%Y-%m-%d')}. Numbers, not tests: budgets are reported.",
        "",
        "## Builds",
        "",
        "| build | seconds | notebooks executed | cached |",
        "|---|---:|---:|---:|",
        *[f"| {b['label']} | {b['seconds']:.1f} | {b['executed']} | {b['cached']} |" for b in builds],
        "",
        f"Warm rebuild: {warm['seconds']:.1f} s, of which notesbuild's hooks {warm['hooks']:.2f} s; a plain "
        f"mkdocs build of the same pages ≈ {plain:.1f} s, ratio {warm['seconds'] / plain:.2f} "
        f"(budget ≤ {WARM_RATIO_BUDGET}).",
        "",
        "## Notebooks (execution seconds)",
        "",
        "| notebook | seconds |",
        "|---|---:|",
        *[f"| {slug} | {r['seconds']:.1f} |" for slug, r in sorted(latest.items())],
        "",
        "## Math: typeset at build time (new) vs in the browser (old)",
        "",
        f"The slowest post, {slowest} (the most formulas), on a first visit (empty browser cache), median of 5.",
        "Old: the same page built without the build-time step, typeset by MathJax 3 in the browser; math is",
        "shown when MathJax has finished. New: math is shown from the first paint, all of it once the parser",
        "has passed the end of the article.",
        "",
        "| rendering | math shown after (s) | first visit (KB) | of which scripts/styles | fonts | build-time typesetting |",
        "|---|---:|---:|---:|---:|---|",
        f"| old: MathJax {OLD_MATHJAX} in the browser | {measured['ready_old']:.2f} | {old_w['total']:.0f} | "
        f"{old_w['scripts/styles']:.0f} | {old_w['fonts']:.0f} | none |",
        f"| new: MathJax 4 at build time, SVG | {measured['ready_new']:.2f} | {new_w['total']:.0f} | "
        f"{new_w['scripts/styles']:.0f} | {new_w['fonts']:.0f} | {cold['math_seconds']:.1f} s for {cold['math_pages']} pages "
        "(cold build) |",
        "",
        f"Budgets: math shown ≤ {MATH_READY_BUDGET_S} s "
        f"({'ok' if measured['ready_new'] <= MATH_READY_BUDGET_S else 'OVER'}); a post's first visit ≤ "
        f"{FIRST_VISIT_POST_KB} KB, a notebook page's ≤ {FIRST_VISIT_NOTEBOOK_KB} KB (table below). A warm rebuild "
        f"typesets only changed pages: {warm['math_pages']} page(s), {warm['math_seconds']:.1f} s.",
        "",
        "## Page weight (KB transferred, gzip; PNG and fonts as stored)",
        "",
        "A page's own weight is its HTML (with its typeset math) and figures. Scripts, styles and fonts are",
        "shared by every page (Material, the one JupyterLab stylesheet of the notebook pages): a reader's",
        "first page pays them once, later pages come from the browser cache. The search index is loaded",
        "only when the reader opens search (overrides/partials/notes/search-defer.html), so the *search",
        "index* column reads 0 unless a page asks for it. *first visit* is everything together.",
        "",
        "| page | HTML | images | own | budget | scripts/styles | fonts | search index | first visit | budget |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    home = next(w for w in weights if w["page"] == "/")
    at41 = home_at(SITE_POSTS, home)
    home_lines = [
        "",
        f"Home page: {home['total']:.0f} KB first visit today with {at41['cards']} post cards (thumbnails "
        f"{home['images']:.0f} KB). Projected to {SITE_POSTS} posts (its cards repeated, mean thumbnail × "
        f"{SITE_POSTS}): HTML {at41['html']:.0f} KB, thumbnails {at41['images']:.0f} KB, first visit without the "
        f"search index {at41['without index']:.0f} KB (budget ≤ {HOME_BUDGET_KB} KB: "
        f"{'ok' if at41['without index'] <= HOME_BUDGET_KB else 'OVER'}). The search index, loaded when a reader "
        f"first opens search, is {at41['search index now']:.0f} KB today, ≈ {at41['search index']:.0f} KB at "
        f"{SITE_POSTS} posts (it grows with the posts' text).",
    ]
    for w in weights:
        budget = NOTEBOOK_BUDGET_KB if w["page"].startswith("/notebooks/") else POST_BUDGET_KB
        status = "ok" if w["own"] < budget else "OVER"
        first = FIRST_VISIT_NOTEBOOK_KB if w["page"].startswith("/notebooks/") else FIRST_VISIT_POST_KB
        lines.append(f"| {w['page']} | {w['html']:.0f} | {w['images']:.0f} | {w['own']:.0f} | < {budget} {status} | "
                     f"{w['scripts/styles']:.0f} | {w['fonts']:.0f} | {w['search index']:.0f} | {w['total']:.0f} | "
                     f"≤ {first} {'ok' if w['total'] <= first else 'OVER'} |")
    text = "\n".join(lines + home_lines) + "\n"
    OUT.write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
