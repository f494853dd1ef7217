"""Benchmark of what readers and authors wait for (`make bench`; not a test).

Measures, on this machine:
- cold build (empty execution cache), warm rebuild (nothing changed), rebuild after
  a prose-only edit, rebuild after editing one snippet (how many notebooks re-run);
- the share of a warm rebuild spent in notesbuild's hooks (cache keys, merging,
  outputs), i.e. warm rebuild vs a plain mkdocs build of the same pages;
- each notebook's execution seconds (profile from NOTES_PROFILE);
- time for MathJax to finish typesetting on the heaviest page, in headless Chromium;
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
    result = {"label": label, "seconds": seconds, "executed": int(counts[1]), "cached": int(counts[2]),
              "hooks": hooks}
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


def page_weights(browser, base: str, pages: list[str]) -> list[dict]:
    """Gzip size of everything a page loads (plus its lazy images), by kind."""
    rows = []
    for path in pages:
        ctx = browser.new_context()
        page = ctx.new_page()
        urls: list[str] = []
        page.on("response", lambda r, urls=urls: urls.append(r.url))
        page.goto(base + path, wait_until="networkidle")
        page.evaluate("async () => { await MathJax.startup.promise; await MathJax.startup.promise; }")
        urls += page.evaluate("() => [...document.querySelectorAll('img')].map(i => i.src)")
        ctx.close()
        sizes = {"html": 0, "images": 0, "scripts/styles": 0, "fonts": 0, "search index": 0}
        for url in sorted(set(urls)):
            if not url.startswith(base):
                continue
            rel = url[len(base):].split("#")[0].split("?")[0]
            file = SITE / rel
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


def mathjax_seconds(browser, base: str, path: str) -> float:
    """Seconds from navigation start until MathJax has typeset the page."""
    page = browser.new_page()
    page.goto(base + path, wait_until="load")
    ms = page.evaluate("async () => { await MathJax.startup.promise; await MathJax.startup.promise; "
                       "return performance.now(); }")
    page.close()
    return ms / 1000


def browser_measures() -> tuple[list[dict], str, float]:
    sys.path.insert(0, str(ROOT))
    import functools
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_FLAGS, chromium_path

    pages = sorted(p.relative_to(SITE).parent.as_posix() + "/" if p.parent != SITE else ""
                   for p in SITE.rglob("index.html") if "assets" not in p.parts)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    heaviest = max(pages, key=lambda p: (SITE / p / "index.html").read_text(encoding="utf-8").count("arithmatex"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        weights = page_weights(browser, base, pages)
        mathjax_seconds(browser, base, heaviest)  # warm the OS file cache once
        runs = sorted(mathjax_seconds(browser, base, heaviest) for _ in range(5))
        browser.close()
    server.shutdown()
    return weights, "/" + heaviest, runs[len(runs) // 2]


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
    weights, heaviest, mj = browser_measures()

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
        f"MathJax typesetting on the heaviest page ({heaviest}): {mj:.2f} s from navigation start (median of 5).",
        "",
        "## Page weight (KB transferred, gzip; PNG and fonts as stored)",
        "",
        "A page's own weight is its HTML and figures; the budget applies to it. Scripts, styles, fonts",
        "and the search index are shared by every page (MathJax, Material, the one JupyterLab",
        "stylesheet of the notebook pages): a reader's first page pays them once, later pages come",
        "from the browser cache. *first visit* is everything together.",
        "",
        "| page | HTML | images | own | budget | scripts/styles | fonts | search index | first visit |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for w in weights:
        budget = NOTEBOOK_BUDGET_KB if w["page"].startswith("/notebooks/") else POST_BUDGET_KB
        status = "ok" if w["own"] < budget else "OVER"
        lines.append(f"| {w['page']} | {w['html']:.0f} | {w['images']:.0f} | {w['own']:.0f} | < {budget} {status} | "
                     f"{w['scripts/styles']:.0f} | {w['fonts']:.0f} | {w['search index']:.0f} | {w['total']:.0f} |")
    text = "\n".join(lines) + "\n"
    OUT.write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
