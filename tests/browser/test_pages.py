"""Every built page, opened in headless Chromium (Debian's, driven by Playwright).

Runs after `mkdocs build` (make test does both). For each page: no MathJax error,
no TeX left unrendered, no console error or failed request, every image loads,
every internal link and #anchor resolves, every figure has a caption and alt text.
Screenshots of one post and one notebook page (light/dark, desktop/phone) are
saved to .cache/screenshots/ for a person to look at.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.browser.conftest import SITE

PAGES = sorted(p.relative_to(SITE).parent.as_posix() + "/" if p.parent != SITE else ""
               for p in SITE.rglob("index.html") if "assets" not in p.parts) if SITE.is_dir() else []
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".cache" / "screenshots"
_ID = re.compile(r'\s(?:id|name)="([^"]+)"')

# JavaScript run in the page once MathJax has finished.
AUDIT = r"""
async () => {
  const out = {merror: [], raw: [], figures: [], alts: [], links: [], images: []};
  document.querySelectorAll("mjx-merror").forEach(e =>
    out.merror.push(e.getAttribute("data-mjx-error") || e.textContent.slice(0, 80)));
  const tex = /\\\(|\\\[|\$\$|\\begin\{|(^|[^\\])\$[^$\s][^$]*\$/;
  document.querySelectorAll(".md-content .arithmatex, .md-content .jp-RenderedMarkdown").forEach(e => {
    const c = e.cloneNode(true);
    c.querySelectorAll("mjx-container, pre, code, script").forEach(x => x.remove());
    if (tex.test(c.textContent)) out.raw.push(c.textContent.trim().slice(0, 80));
  });
  document.querySelectorAll(".md-content figure").forEach((f, i) => {
    const cap = f.querySelector("figcaption");
    if (!cap || !cap.textContent.trim()) out.figures.push(`figure ${i + 1} has no caption`);
  });
  document.querySelectorAll(".md-content img").forEach(img => {
    if (!(img.getAttribute("alt") || "").trim()) out.alts.push(img.getAttribute("src"));
  });
  document.querySelectorAll("a[href]").forEach(a => out.links.push(a.href));
  out.images = await Promise.all([...document.querySelectorAll("img")].map(img => new Promise(done => {
    const probe = new Image();
    probe.onload = () => done([img.src, probe.naturalWidth]);
    probe.onerror = () => done([img.src, 0]);
    probe.src = img.src;
  })));
  out.ids = [...document.querySelectorAll("[id]")].map(e => e.id);
  return out;
}
"""


@functools.cache
def static_ids(path: str) -> frozenset[str]:
    """Element ids in a built page, read from its HTML file."""
    file = SITE / path.lstrip("/") / "index.html" if not path.endswith(".html") else SITE / path.lstrip("/")
    if not file.is_file():
        return frozenset()
    return frozenset(_ID.findall(file.read_text(encoding="utf-8")))


def open_page(browser, base_url: str, path: str, **context):
    """Load a page and wait for MathJax; returns (page, problems collected while loading)."""
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.goto(base_url + path, wait_until="load")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=15000)
    # document$ chains the typesetting on startup.promise; wait until it has settled twice
    page.evaluate("async () => { await MathJax.startup.promise; await MathJax.startup.promise; }")
    return page, problems


@pytest.mark.parametrize("path", PAGES)
def test_page(browser, base_url, path):
    page, problems = open_page(browser, base_url, path)
    audit = page.evaluate(AUDIT)
    where = f"/{path}"
    problems += [f"MathJax error: {m}" for m in audit["merror"]]
    problems += [f"TeX left unrendered: {t!r}" for t in audit["raw"]]
    problems += audit["figures"]
    problems += [f"image without alt text: {src}" for src in audit["alts"]]
    problems += [f"image does not load: {src}" for src, width in audit["images"] if not width]
    ids = set(audit["ids"])
    origin = urlsplit(base_url)
    for href in sorted(set(audit["links"])):
        url = urlsplit(href)
        if url.scheme not in ("http", "https") or url.netloc != origin.netloc:
            continue
        target = unquote(url.path)
        if url.path.rstrip("/") == urlsplit(page.url).path.rstrip("/"):
            if url.fragment and unquote(url.fragment) not in ids:
                problems.append(f"anchor #{unquote(url.fragment)} not on this page")
            continue
        local = SITE / target.lstrip("/")
        if not (local.is_file() or (local / "index.html").is_file()):
            problems.append(f"broken link: {target}")
        elif url.fragment and unquote(url.fragment) not in static_ids(target):
            problems.append(f"broken anchor: {target}#{unquote(url.fragment)}")
    page.context.close()
    assert not problems, f"{where}:\n  " + "\n  ".join(problems)


SHOTS = [("post", "generative/ddpm/"), ("notebook", "notebooks/ddpm/")]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name,path", SHOTS)
def test_screenshots(browser, base_url, name, path, scheme):
    if path not in PAGES:
        pytest.fail(f"/{path} was not built; screenshots need it")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in VIEWPORTS.items():
        page, problems = open_page(browser, base_url, path, viewport=viewport, color_scheme=scheme,
                                   device_scale_factor=1)
        dark = page.evaluate("() => document.body.getAttribute('data-md-color-scheme')") == "slate"
        assert dark == (scheme == "dark"), f"/{path}: asked for {scheme}, the page shows the other scheme"
        out = SCREENSHOTS / f"{name}-{scheme}-{size}.png"
        page.screenshot(path=str(out), full_page=False)
        page.context.close()
        assert not problems, f"/{path} ({scheme}, {size}): " + "; ".join(problems)
        assert out.stat().st_size > 10_000, f"{out} looks empty"
