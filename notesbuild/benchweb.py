"""What `make bench` measures in the browser (headless Chromium): each page's first-visit bytes
by kind, the home page projected to the site's full size, and until when the math of the slowest
post is shown: typeset at build time (the site) against MathJax 3 in the browser (as before).
notesbuild/bench.py runs the builds and writes the report."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from notesbuild import cache

ROOT = cache.ROOT
SITE = ROOT / "site"


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
            kind = ("html" if suffix == ".html" else "images" if suffix in {".svg", ".png", ".jpg", ".gif", ".webp"}
                    else "fonts" if suffix in {".woff", ".woff2"} else "search index" if suffix == ".json"
                    else "scripts/styles")
            data = file.read_bytes()
            sizes[kind] += len(data) if suffix in {".png", ".jpg", ".webp", ".woff", ".woff2"} else gz(data)
        total = sum(sizes.values())
        rows.append({"page": "/" + path, **{k: v / 1024 for k, v in sizes.items()}, "total": total / 1024,
                     "own": (sizes["html"] + sizes["images"]) / 1024})
    return rows


_CARD = re.compile(r'<a class="post-card".*?</a>', re.S)


def home_at(n_posts: int, home: dict, site: Path = SITE) -> dict:
    """The home page's first-visit weight projected to `n_posts` posts: its HTML with the cards it has
    repeated up to n_posts (gzip sees realistic repetition), plus the mean thumbnail times n_posts."""
    html = (site / "index.html").read_text(encoding="utf-8")
    cards = _CARD.findall(html)
    thumbs = [p.stat().st_size for p in (site / "thumbs").glob("*.webp")]
    if not cards or not thumbs:
        raise SystemExit(f"bench: {site / 'index.html'} has no post cards with thumbnails to project from")
    more = "".join(cards[i % len(cards)] for i in range(n_posts - len(cards)))
    end = html.rindex(cards[-1]) + len(cards[-1])
    html_kb = gz((html[:end] + more + html[end:]).encode("utf-8")) / 1024
    images_kb = sum(thumbs) / len(thumbs) * n_posts / 1024
    shared = home["total"] - home["html"] - home["images"] - home["search index"]
    index_now = gz((site / "search" / "search_index.json").read_bytes()) / 1024
    return {"cards": len(cards), "html": html_kb, "images": images_kb, "search index now": index_now,
            "search index": index_now * n_posts / len(cards),  # it grows with the posts' text
            "without index": shared + html_kb + images_kb}


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
