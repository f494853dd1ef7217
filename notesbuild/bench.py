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

import gzip
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

ROOT = cache.ROOT
SITE = ROOT / "site"
OUT = ROOT / "BENCHMARK.md"
POST_BUDGET_KB, NOTEBOOK_BUDGET_KB, WARM_RATIO_BUDGET = 400, 300, 1.5
FIRST_VISIT_POST_KB, FIRST_VISIT_NOTEBOOK_KB, MATH_READY_BUDGET_S = 500, 600, 0.3


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


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def page_weights(browser, base: str, pages: list[str], site: Path = SITE) -> list[dict]:
    """Gzip size of everything a page loads (plus its lazy images), by kind, on a first visit."""
    rows = []
    for path in pages:
        ctx = browser.new_context()
        page = ctx.new_page()
        urls: list[str] = []
        page.on("response", lambda r, urls=urls: urls.append(r.url))
        page.goto(base + path, wait_until="networkidle")
        if page.evaluate("() => !!window.MathJax"):  # the old rendering: wait until it has typeset
            page.evaluate("async () => { await MathJax.startup.promise; }")
        urls += page.evaluate("() => [...document.querySelectorAll('img')].map(i => i.src)")
        ctx.close()
        sizes = {"html": 0, "images": 0, "scripts/styles": 0, "fonts": 0, "search index": 0}
        for url in sorted(set(urls)):
            if not url.startswith(base):
                continue
            rel = url[len(base):].split("#")[0].split("?")[0]
            file = site / rel
            if file.is_dir() or rel.endswith("/") or rel == "":
                file = file / "index.html"
            if not file.is_file():
                continue
            suffix = file.suffix.lower()
            kind = ("html" if suffix == ".html" else "images" if suffix in {".svg", ".png", ".jpg", ".gif"}
                    else "fonts" if suffix in {".woff", ".woff2"} else "search index" if suffix == ".json"
                    else "scripts/styles")
            data = file.read_bytes()
            sizes[kind] += len(data) if suffix in {".png", ".jpg", ".woff", ".woff2"} else gz(data)
        total = sum(sizes.values())
        rows.append({"page": "/" + path, **{k: v / 1024 for k, v in sizes.items()}, "total": total / 1024,
                     "own": (sizes["html"] + sizes["images"]) / 1024})
    return rows


def math_ready_seconds(browser, base: str, path: str) -> float:
    """Seconds from navigation start until every formula of the page is shown, on a first visit
    (a fresh browser context: empty cache). Build-time math is there when the page is first
    painted; MathJax in the browser is done when its startup promise resolves."""
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(base + path, wait_until="load")
    if page.evaluate("() => !!window.MathJax"):
        ms = page.evaluate("async () => { await MathJax.startup.promise; return performance.now(); }")
    else:
        if page.evaluate("() => document.querySelectorAll('.arithmatex mjx-container').length === 0"):
            raise SystemExit(f"bench: {path} shows no typeset math")
        # the math is in the HTML: it is all there once the parser has passed the article's end (the
        # mark that math_marked() puts there) and shown from the first paint on
        ms = page.evaluate("""() => Math.max(performance.getEntriesByName("math-parsed")[0].startTime,
            ...performance.getEntriesByType("paint").filter(e => e.name === "first-contentful-paint").map(e => e.startTime))""")
    ctx.close()
    return ms / 1000


# MathJax 3 as the site ran it before math moved to the build (docs/javascripts/mathjax-config.js then)
OLD_MATHJAX = "3.2.2"
OLD_CONFIG = """<script>window.MathJax = {tex: {inlineMath: [["\\\\(", "\\\\)"], ["$", "$"]],
  displayMath: [["\\\\[", "\\\\]"], ["$$", "$$"]], processEscapes: true, processEnvironments: true, tags: "ams"},
  options: {ignoreHtmlClass: "md-header|md-sidebar|md-search|md-footer|md-nav|md-tabs|jp-InputArea|jp-OutputArea|tex2jax_ignore",
            processHtmlClass: "arithmatex|jp-RenderedMarkdown|md-nav__link"}};</script>
<script src="/assets/mathjax3/tex-mml-chtml.js"></script>"""


def math_marked(path: str) -> Path:
    """A copy of the site whose page `path` marks (performance.mark) when the parser has passed the end
    of its article, i.e. when every formula of the page is in the document."""
    out = ROOT / ".cache" / "bench" / "site-marked"
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(SITE, out)
    page = out / path / "index.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</article>", '<script>performance.mark("math-parsed")</script></article>', 1),
                    encoding="utf-8")
    return out


def old_rendering_site() -> Path:
    """A copy of the site whose pages are built without the build-time math step and typeset by
    MathJax 3 in the browser instead, as before."""
    out = ROOT / ".cache" / "bench" / "site-browser-math"
    mj = ROOT / ".cache" / "bench" / "mathjax3"
    if not (mj / "node_modules" / "mathjax" / "es5").is_dir():
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(mj),
                        f"mathjax@{OLD_MATHJAX}"], check=True)
    code = ("import sys; from notesbuild import typeset; typeset.typeset_site = lambda *a, **k: (0, 0); "
            "from mkdocs.__main__ import cli; sys.exit(cli())")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code, "build", "--strict", "-d", str(out)], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"bench: the build without build-time math failed:\n{proc.stdout}{proc.stderr}")
    shutil.copytree(mj / "node_modules" / "mathjax" / "es5", out / "assets" / "mathjax3", dirs_exist_ok=True)
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace("</head>", OLD_CONFIG + "</head>", 1), encoding="utf-8")
    return out


def browser_measures(old_site: Path) -> dict:
    from playwright.sync_api import sync_playwright

    from notesbuild.browser import CHROMIUM_FLAGS, chromium_path, serve

    pages = sorted(p.relative_to(SITE).parent.as_posix() + "/" if p.parent != SITE else ""
                   for p in SITE.rglob("index.html") if "assets" not in p.parts)
    posts = [p for p in pages if not p.startswith("notebooks/") and "arithmatex" in (SITE / p / "index.html").read_text()]
    slowest = max(posts, key=lambda p: (SITE / p / "index.html").read_text(encoding="utf-8").count("arithmatex"))
    base, server = serve(SITE)
    marked = math_marked(slowest)
    new_base, new_server = serve(marked)
    old_base, old_server = serve(old_site)
    out = {"slowest": "/" + slowest}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        out["weights"] = page_weights(browser, base, pages)
        for label, url, site in (("new", new_base, marked), ("old", old_base, old_site)):
            math_ready_seconds(browser, url, slowest)  # warm the OS file cache once
            runs = sorted(math_ready_seconds(browser, url, slowest) for _ in range(5))
            out[f"ready_{label}"] = runs[len(runs) // 2]
            out[f"weight_{label}"] = page_weights(browser, url, [slowest], site)[0]
        browser.close()
    for srv in (server, new_server, old_server):
        srv.shutdown()
    return out


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
        "A page's own weight is its HTML (with its typeset math) and figures. Scripts, styles, fonts and the",
        "search index are shared by every page (Material, the one JupyterLab stylesheet of the notebook",
        "pages): a reader's first page pays them once, later pages come from the browser cache.",
        "*first visit* is everything together.",
        "",
        "| page | HTML | images | own | budget | scripts/styles | fonts | search index | first visit | budget |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for w in weights:
        budget = NOTEBOOK_BUDGET_KB if w["page"].startswith("/notebooks/") else POST_BUDGET_KB
        status = "ok" if w["own"] < budget else "OVER"
        first = FIRST_VISIT_NOTEBOOK_KB if w["page"].startswith("/notebooks/") else FIRST_VISIT_POST_KB
        lines.append(f"| {w['page']} | {w['html']:.0f} | {w['images']:.0f} | {w['own']:.0f} | < {budget} {status} | "
                     f"{w['scripts/styles']:.0f} | {w['fonts']:.0f} | {w['search index']:.0f} | {w['total']:.0f} | "
                     f"≤ {first} {'ok' if w['total'] <= first else 'OVER'} |")
    text = "\n".join(lines) + "\n"
    OUT.write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
