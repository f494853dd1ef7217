"""Every built page, opened in headless Chromium (Debian's, driven by Playwright).

Runs after `mkdocs build` (make test does both). The math is typeset at build time
(notesbuild/typeset.py), so a page is complete when it has loaded. For each page: no
MathJax error, no TeX left unrendered, no console error or failed request, every image
loads, every internal link and #anchor resolves, every figure has a caption and alt text;
at 1280 px no display equation or table is wider than its column, and at 390 px no math
runs past the right edge of the screen outside a horizontally scrolling box.
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

# JavaScript run in the loaded page.
AUDIT = r"""
async () => {
  const out = {merror: [], raw: [], figures: [], alts: [], links: [], images: []};
  document.querySelectorAll("mjx-merror, [data-mjx-error]").forEach(e =>
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
  // an image needs alt text, unless it is decorative (alt="") inside a link that names its target
  document.querySelectorAll(".md-content img").forEach(img => {
    const alt = img.getAttribute("alt");
    const named = alt === "" && (img.closest("a")?.textContent || "").trim();
    if (!(alt || "").trim() && !named) out.alts.push(img.getAttribute("src"));
  });
  // (\eqref links inside SVG math carry xlink:href: resolve the attribute)
  document.querySelectorAll("a[href], mjx-container a").forEach(a =>
    out.links.push(new URL(a.getAttribute("href") || a.getAttribute("xlink:href"), location.href).href));
  out.images = await Promise.all([...document.querySelectorAll("img")].map(img => new Promise(done => {
    const probe = new Image();
    probe.onload = () => done([img.src, probe.naturalWidth]);
    probe.onerror = () => done([img.src, 0]);
    probe.src = img.src;
  })));
  out.ids = [...document.querySelectorAll("[id]")].map(e => e.id);
  out.glyphs = [...new Set([...document.querySelectorAll("mjx-container use")].map(u => u.getAttribute("xlink:href"))
    .filter(h => !document.getElementById(h.slice(1))))];
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
    """Load a page; returns (page, problems collected while loading)."""
    ctx = browser.new_context(**context)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    page.goto(base_url + path, wait_until="load")
    return page, problems


@pytest.mark.parametrize("path", PAGES)
def test_page(browser, base_url, path):
    page, problems = open_page(browser, base_url, path)
    audit = page.evaluate(AUDIT)
    where = f"/{path}"
    problems += [f"MathJax error: {m}" for m in audit["merror"]]
    problems += [f"TeX left unrendered: {t!r}" for t in audit["raw"]]
    problems += [f"math glyph {g} is not defined on the page" for g in audit["glyphs"]]
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


# What does not fit: display math and tables wider than their column, and math or code whose right
# edge is past the window without a horizontally scrolling box around it.
FIT = r"""
() => {
  const out = {wide: [], clipped: [], page: []};
  const label = e => ((e.closest("[data-tex]") || e.querySelector("[data-tex]"))?.getAttribute("data-tex")
                      || e.textContent || "").trim().slice(0, 70);
  const scrolls = e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX);
  document.querySelectorAll(".md-content div.arithmatex, .md-content .md-typeset__scrollwrap").forEach(box => {
    if (box.scrollWidth > box.clientWidth + 1) out.wide.push(`${label(box)} (${box.scrollWidth} > ${box.clientWidth} px)`);
  });
  const edge = window.innerWidth + 1;
  document.querySelectorAll(".md-content mjx-container svg, .md-content pre").forEach(e => {
    if (e.getBoundingClientRect().right <= edge) return;
    let box = e.parentElement;
    while (box && !(scrolls(box) && box.getBoundingClientRect().right <= edge)) box = box.parentElement;
    if (!box) out.clipped.push(label(e));
  });
  // anything else that makes the whole page scroll sideways (a long unbreakable link, a wide image)
  if (document.documentElement.scrollWidth > document.documentElement.clientWidth + 1) {
    document.querySelectorAll(".md-content *").forEach(e => {
      if (e.children.length || e.getBoundingClientRect().right <= edge) return;
      let box = e.parentElement;
      while (box && !(scrolls(box) && box.getBoundingClientRect().right <= edge)) box = box.parentElement;
      if (!box && !e.closest("mjx-container")) out.page.push(`<${e.tagName.toLowerCase()}> ${label(e)}`);
    });
  }
  return out;
}
"""
# content-visibility: auto (notes.css) skips the layout of what is below the fold; lay out everything
RENDER_ALL = "* { content-visibility: visible !important; }"


@pytest.mark.parametrize("path", PAGES)
def test_math_fits_desktop_and_phone(browser, base_url, path):
    problems = []
    for size, viewport in VIEWPORTS.items():
        page, _ = open_page(browser, base_url, path, viewport=viewport)
        page.add_style_tag(content=RENDER_ALL)
        fit = page.evaluate(FIT)
        page.context.close()
        if size == "desktop":
            problems += [f"{size}: wider than its column: {t!r}" for t in fit["wide"]]
        problems += [f"{size}: past the right edge, no scroll box: {t!r}" for t in fit["clipped"]]
        problems += [f"{size}: the page scrolls sideways because of: {t!r}" for t in fit["page"][:5]]
    assert not problems, f"/{path}:\n  " + "\n  ".join(problems)


_REMOTE_CODE = re.compile(r'''(?:<script[^>]*\ssrc=|<link[^>]*rel="(?:stylesheet|preload|modulepreload)"[^>]*\shref=|import\()\s*["'](?:https?:)?//''')


def test_no_page_loads_code_or_styles_from_another_site():
    """The site makes no third-party requests at view time (nbconvert's template loads mermaid from a CDN)."""
    remote = [p for p in PAGES if _REMOTE_CODE.search((SITE / p / "index.html").read_text(encoding="utf-8"))]
    assert not remote, f"pages that load scripts or styles from elsewhere: {remote}"


SHOTS = [("post", "generative/ddpm/"), ("notebook", "notebooks/ddpm/"), ("home", ""), ("section", "generative/"),
         ("notebooks", "notebooks/")]
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


# ---------------------------------------------------------------- equations and citations (ddpm)

POST = "generative/ddpm/"
SITE_URL = re.search(r"^site_url:\s*(\S+)", (SITE.parent / "mkdocs.yml").read_text(encoding="utf-8"), re.M)[1]


def test_equation_permalinks_resolve(browser, base_url):
    """Each labelled equation has an id and a ¶ shown on hover; a fresh load of its URL lands on it."""
    page, problems = open_page(browser, base_url, POST)
    blocks = page.evaluate("""() => [...document.querySelectorAll(".eq-block")].map(b => [b.id,
        b.querySelector(":scope > .eq-permalink")?.hash])""")  # Material makes hrefs absolute
    assert blocks, f"/{POST}: no labelled equation has a permalink"
    assert all(href == f"#{anchor}" for anchor, href in blocks), blocks
    refs = page.evaluate("""() => [...document.querySelectorAll("mjx-container a")]
        .map(a => a.getAttribute("xlink:href"))""")
    assert refs and all(unquote(r)[1:] in {a for a, _ in blocks} for r in refs if r.startswith("#eq-")), refs
    first = page.locator(".eq-block").first
    first.scroll_into_view_if_needed()
    first.hover()
    page.wait_for_timeout(300)  # Material fades headerlinks in over 125 ms
    assert page.evaluate("() => getComputedStyle(document.querySelector('.eq-permalink')).opacity") == "1"
    page.context.close()
    # a permalink opened cold: the equation is the :target, on screen
    anchor = blocks[len(blocks) // 2][0]
    page, more = open_page(browser, base_url, f"{POST}#{anchor}")
    where = page.evaluate("""id => { const e = document.getElementById(id), r = e.getBoundingClientRect();
        return [e.matches(":target"), r.top, window.innerHeight]; }""", anchor)
    assert where[0] and 0 <= where[1] < where[2], f"/{POST}#{anchor}: not on screen after typesetting: {where}"
    page.context.close()
    assert not problems + more, problems + more


def open_published(browser, path: str):
    """Load a page at its published URL (site_url), answered from site/ by Playwright: Material's
    instant navigation only takes over links that match its sitemap, whose URLs are site_url's."""
    prefix = urlsplit(SITE_URL).path

    def serve(route):
        rel = unquote(urlsplit(route.request.url).path)[len(prefix):]
        file = SITE / rel
        file = file / "index.html" if file.is_dir() else file
        if file.is_file():
            route.fulfill(path=str(file))
        else:
            route.fulfill(status=404, body="not in site/")

    ctx = browser.new_context()
    ctx.route(SITE_URL + "**", serve)
    page = ctx.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.goto(SITE_URL + path, wait_until="load")
    return page, problems


def test_eqref_under_instant_navigation(browser):
    """Reach the post through Material's instant navigation, then follow an \\eqref link."""
    page, problems = open_published(browser, "")
    page.evaluate("() => { window.notReloaded = true; }")
    page.click(f'.md-content a[href$="{POST}"]')
    page.wait_for_url(f"**/{POST}")
    assert page.evaluate("() => window.notReloaded === true"), "the click reloaded the page: no instant navigation"
    page.wait_for_function("() => document.querySelector('mjx-container a')", timeout=15000)
    missing = page.evaluate("""() => [...document.querySelectorAll("mjx-container use")].map(u => u.getAttribute("xlink:href"))
        .filter(h => !document.getElementById(h.slice(1))).length""")
    assert missing == 0, f"/{POST}: after instant navigation {missing} glyph references of the math point at nothing"
    link = page.locator("mjx-container a").last
    href = link.get_attribute("xlink:href")
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_timeout(500)
    inside = page.evaluate("""id => { const e = document.getElementById(id); if (!e) return null;
        const r = e.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; }""", unquote(href[1:]))
    assert inside, f"/{POST}: \\eqref link {href} does not bring its equation on screen under instant navigation"
    assert page.evaluate("() => location.hash") == href
    page.context.close()
    assert not problems, problems


def test_cite_this_bibtex_parses_with_the_page_url(browser, base_url):
    """The BibTeX a reader copies from the 引用本文 block parses, and its url is this page's permalink."""
    from notesbuild import bib

    page, problems = open_page(browser, base_url, POST)
    texts = page.evaluate("""() => [...document.querySelectorAll(".md-content .highlight")]
        .map(h => [h.querySelector(".filename")?.textContent, h.querySelector("code").textContent,
                   !!h.querySelector("[data-md-type=copy]")])""")
    page.context.close()
    blocks = {name: (code, copy) for name, code, copy in texts}
    assert {"纯文本", "BibTeX"} <= set(blocks), f"/{POST}: no 引用本文 block ({list(blocks)})"
    assert all(copy for _, copy in blocks.values()), f"/{POST}: a code block has no copy button"
    entry = bib.parse(blocks["BibTeX"][0], f"/{POST} BibTeX")["mlnotes-ddpm"]
    assert entry.fields["url"] == SITE_URL + POST
    assert blocks["纯文本"][0].strip().endswith(SITE_URL + POST)
    assert not problems, problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_post_end_screenshots(browser, base_url, scheme):
    """For a person to look at: the reference list and 引用本文 block, and a hovered equation permalink."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page, problems = open_page(browser, base_url, POST, viewport=VIEWPORTS["desktop"], color_scheme=scheme,
                               device_scale_factor=1)
    page.evaluate("() => document.getElementById('参考文献').scrollIntoView()")
    page.wait_for_timeout(300)  # let the compositor catch up with the jump
    page.screenshot(path=str(SCREENSHOTS / f"post-end-{scheme}-desktop.png"))
    page.locator(".eq-block").nth(1).scroll_into_view_if_needed()
    page.locator(".eq-block").nth(1).hover()
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"post-equation-{scheme}-desktop.png"))
    page.context.close()
    assert not problems, problems


# ---------------------------------------------------------------- check marks (notesbuild/checkmarks.py)

_MARK = re.compile(r'<div class="eq-block" id="eq-(?P<label>[^"]+)">.*?<div class="eq-check(?P<none> eq-check--none)?"[^>]*>'
                   r'(?P<mark>.*?)</div>', re.S)
_CHECK = re.compile(r'<pre class="nb-check" id="(?P<id>check-\d+)">(?P<text>.*?)</pre>', re.S)


def test_check_marks_link_to_the_checks_of_their_equation():
    """Every ✓ mark under an equation links to a check output on the notebook page that verifies that equation."""
    posts = [p for p in PAGES if not p.startswith("notebooks/") and "eq-block" in
             (SITE / p / "index.html").read_text(encoding="utf-8")]
    assert posts, "no post has labelled equations"
    for path in posts:
        text = (SITE / path / "index.html").read_text(encoding="utf-8")
        marks = list(_MARK.finditer(text))
        assert marks and len(marks) == text.count('class="eq-block"'), f"/{path}: an equation has no mark"
        for m in marks:
            if m["none"]:
                assert "未作数值验证" in m["mark"], f"/{path}: eq-{m['label']} has an empty mark"
                continue
            hrefs = re.findall(r'href="([^"]+)"', m["mark"])
            assert hrefs, f"/{path}: eq-{m['label']} is marked checked without a link"
            for href in hrefs:
                url = urlsplit(href)
                target = (SITE / path / url.path).resolve() / "index.html"
                checks = {c["id"]: c["text"] for c in _CHECK.finditer(target.read_text(encoding="utf-8"))}
                assert url.fragment in checks, f"/{path}: {href} is no check output on {target}"
                assert f"eq:{m['label']}" in checks[url.fragment], \
                    f"/{path}: eq-{m['label']} links to {href}, which verifies something else: {checks[url.fragment]}"


def test_copying_math_gives_its_tex(browser, base_url):
    """Math is SVG: copying a sentence with a formula puts the formula's TeX on the clipboard."""
    page, problems = open_page(browser, base_url, POST)
    copied = page.evaluate("""() => {
      const p = [...document.querySelectorAll(".md-content p")].find(p => p.querySelector("mjx-container[data-tex]"));
      const tex = p.querySelector("mjx-container[data-tex]").getAttribute("data-tex");
      let text = null;
      document.addEventListener("copy", e => { text = e.clipboardData.getData("text/plain"); });
      const range = document.createRange();
      range.selectNodeContents(p);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      document.execCommand("copy");
      return [text, tex];
    }""")
    page.context.close()
    text, tex = copied
    assert text and f"${tex}$" in text, f"/{POST}: copying a paragraph gave {text!r}, without ${tex}$"
    assert not problems, problems
