"""Click-to-zoom figures (docs/javascripts/zoom.js) and the Atom feed's links, in Chromium.

Zoom: a click opens the figure large in a <dialog>, Esc and a click close it, and it
still works after Material's instant navigation to another post; light and dark.
Screenshots of the open dialog go to .cache/screenshots/zoom-<scheme>.png.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.browser.conftest import SITE
from tests.browser.test_pages import SCREENSHOTS, open_page

FIGURE = ".md-content figure.nb-figure img"
POSTS_WITH_FIGURES = sorted(p.parent.relative_to(SITE).as_posix() + "/" for p in SITE.glob("*/*/index.html")
                            if p.parts[-3] != "notebooks" and 'class="nb-figure"' in p.read_text(encoding="utf-8")
                            ) if SITE.is_dir() else []


def open_post(browser, base_url: str, path: str, **context):
    """Like test_pages.open_page, with sitemap.xml rewritten to this server's URLs.

    Material navigates instantly only to URLs listed in the sitemap, and its entries carry
    site_url's path and port: served from 127.0.0.1:<port>/ every click would be a full page
    load, while the deployed site (at site_url) navigates instantly.
    """
    text = (SITE / "sitemap.xml").read_text(encoding="utf-8")
    site_url = min(re.findall(r"<loc>(.*?)</loc>", text), key=len)  # the home page
    body = text.replace(site_url, base_url)
    page = browser.new_context(**context).new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.route("**/sitemap.xml", lambda route: route.fulfill(status=200, content_type="application/xml", body=body))
    page.goto(base_url + path, wait_until="load")
    return page, problems


def zoomed(page) -> dict | None:
    return page.evaluate("""() => {
      const d = document.querySelector("dialog.nb-zoom");
      if (!d) return null;
      const img = d.querySelector("img");
      const box = d.getBoundingClientRect();
      return {open: d.open, width: img.getBoundingClientRect().width, src: img.src, alt: img.alt,
              caption: d.querySelector(".nb-zoom__caption").textContent.trim(), bottom: box.bottom,
              right: box.right, top: box.top, left: box.left};
    }""")


def open_zoom(page, index=0):
    img = page.locator(FIGURE).nth(index)
    img.scroll_into_view_if_needed()
    small = img.bounding_box()["width"]
    src = img.evaluate("e => e.currentSrc || e.src")
    img.click()
    page.wait_for_function("() => { const i = document.querySelector('dialog.nb-zoom[open] img');"
                           " return i && i.complete && i.style.width; }", timeout=5000)
    state = zoomed(page)
    assert state["open"] and state["src"] == src and state["alt"] and state["caption"]
    viewport = page.viewport_size
    assert state["left"] >= 0 and state["top"] >= 0, state
    assert state["right"] <= viewport["width"] and state["bottom"] <= viewport["height"], state
    assert state["width"] > small * 1.2, f"zoomed figure is {state['width']:.0f}px wide, in the page {small:.0f}px"
    return state


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_click_to_zoom(browser, base_url, scheme):
    if len(POSTS_WITH_FIGURES) < 1:
        pytest.fail("no post with notebook figures was built")
    first = POSTS_WITH_FIGURES[0]
    page, problems = open_post(browser, base_url, first, viewport={"width": 1280, "height": 900},
                               color_scheme=scheme, device_scale_factor=1)
    open_zoom(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"zoom-{scheme}.png"))
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('dialog.nb-zoom')", timeout=3000)

    open_zoom(page)
    page.mouse.click(10, 10)  # the backdrop
    page.wait_for_function("() => !document.querySelector('dialog.nb-zoom')", timeout=3000)

    # Keyboard: a figure is focusable and Enter opens it
    page.locator(FIGURE).first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('dialog.nb-zoom[open]')", timeout=3000)
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('dialog.nb-zoom')", timeout=3000)

    # Instant navigation to another post (no page load): zoom still works there
    others = [p for p in POSTS_WITH_FIGURES if p != first]
    if others:
        page.evaluate("() => { window.__samePage = true; }")
        page.locator(f'.md-sidebar--primary a.md-nav__link[href$="{others[0]}"]').first.click()
        page.wait_for_function(f"() => location.pathname.endsWith('/{others[0]}')", timeout=10000)
        page.wait_for_selector(FIGURE, state="attached", timeout=10000)
        assert page.evaluate("() => window.__samePage === true"), "the click reloaded the page: instant navigation is off"
        open_zoom(page)
        page.keyboard.press("Escape")
        page.wait_for_function("() => !document.querySelector('dialog.nb-zoom')", timeout=3000)
    page.context.close()
    assert not problems, "; ".join(problems)


def test_feed_is_linked_and_lists_every_post(browser, base_url):
    page, problems = open_page(browser, base_url, "")
    head = page.evaluate("() => [...document.querySelectorAll('link[rel=alternate][type=\"application/atom+xml\"]')]"
                         ".map(l => l.href)")
    body = page.evaluate("() => [...document.querySelectorAll('.md-content a[href$=\"feed.xml\"]')].map(a => a.href)")
    assert head == [base_url + "feed.xml"], head
    assert body == [base_url + "feed.xml"], body
    response = page.request.get(base_url + "feed.xml")
    assert response.ok
    root = ET.fromstring(response.body())
    titles = [e.findtext("{http://www.w3.org/2005/Atom}title") for e in root.iter("{http://www.w3.org/2005/Atom}entry")]
    latest = page.evaluate("() => [...document.querySelectorAll('#latest + ul a')].map(a => a.textContent)")
    cards = page.evaluate("() => [...document.querySelectorAll('.post-card__title')].map(a => a.textContent)")
    assert sorted(titles) == sorted(cards), "the feed and the home page's cards list the same posts"
    assert latest == titles[:len(latest)] and len(latest) == min(6, len(titles)), \
        "the home page's 最新文章 are the feed's newest entries, newest first"
    page.context.close()
    assert not problems, "; ".join(problems)


def test_posts_show_a_date_in_the_meta_line():
    for path in POSTS_WITH_FIGURES:
        text = (SITE / path / "index.html").read_text(encoding="utf-8")
        assert re.search(r'<p class="post-meta"><span>\d{4}-\d{2}-\d{2}</span>', text), path
