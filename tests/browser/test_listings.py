"""The pages that help a reader find their way, in Chromium: the home page (every section with
every post as a card with its notebook's picture), the section pages in reading order, the
notebooks index, each post's reading path, the sidebar (posts only), and the Chinese 404 page.
The expected posts come from the front matter, read as the build reads it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from mkdocs.config import load_config

from notesbuild.browser import serve
from notesbuild.hooks import posts as posts_hook
from notesbuild.state import ROOT, STATE
from tests.browser.conftest import SITE
from tests.browser.test_pages import SCREENSHOTS, VIEWPORTS, open_page

CARDS = r"""
async () => [...document.querySelectorAll(".post-card")].map(a => {
  const img = a.querySelector("img");
  return {href: new URL(a.getAttribute("href"), location.href).pathname,
          title: a.querySelector(".post-card__title").textContent.trim(),
          image: img ? img.complete && img.naturalWidth : null};
})
"""


@pytest.fixture(scope="module")
def site_posts():
    config = load_config(str(ROOT / "mkdocs.yml"))
    posts_hook.on_config(config)
    return list(STATE.posts.values()), config.extra["sections"]


def _path(post) -> str:
    return "/" + post.src_uri.removesuffix(".md") + "/"


def _cards(page):
    page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
    page.wait_for_load_state("networkidle")
    return page.evaluate(CARDS)


def test_home_shows_every_section_with_its_posts_and_pictures(browser, base_url, site_posts):
    posts, sections = site_posts
    page, problems = open_page(browser, base_url, "")
    for folder, title in sections.items():
        inside = [p for p in posts if p.section == folder]
        heading = page.locator(f'h2[id="{folder}"]')
        if not inside:
            assert heading.count() == 0, f"home page shows the empty section {title}"
            continue
        assert heading.count() == 1 and title in heading.inner_text(), f"home page lacks the section {title}"
    cards = _cards(page)
    assert [c["href"] for c in cards] == [_path(p) for p in posts], "home page cards differ from the posts in reading order"
    assert all(c["image"] for c in cards), f"cards without a loaded picture: {[c['title'] for c in cards if not c['image']]}"
    latest = page.locator("#latest + ul li")
    assert latest.count() == min(len(posts), 6)
    assert page.locator('a[href$="feed.xml"]').count() >= 1
    page.context.close()
    assert not problems, problems


def test_section_page_lists_its_posts_in_reading_order(browser, base_url, site_posts):
    posts, sections = site_posts
    for folder in sections:
        inside = [p for p in posts if p.section == folder]
        if not inside:
            assert not (SITE / folder / "index.html").exists()
            continue
        page, problems = open_page(browser, base_url, f"{folder}/")
        assert [c["href"] for c in _cards(page)] == [_path(p) for p in inside]
        page.context.close()
        assert not problems, problems


def test_notebooks_index_lists_every_notebook_with_its_run(browser, base_url, site_posts):
    posts, _ = site_posts
    page, problems = open_page(browser, base_url, "notebooks/")
    rows = page.locator("table.notebooks-index tbody tr")
    assert rows.count() == len(posts)
    for i, post in enumerate(posts):
        text = rows.nth(i).inner_text()
        assert post.title in text and post.notebook in text and " s" in text, text
    page.context.close()
    assert not problems, problems


def test_sidebar_lists_posts_only(browser, base_url, site_posts):
    posts, _ = site_posts
    page, problems = open_page(browser, base_url, posts[0].src_uri.removesuffix(".md") + "/")
    links = page.evaluate("() => [...document.querySelectorAll('.md-nav--primary a[href]')]"
                          ".map(a => new URL(a.getAttribute('href'), location.href).pathname)")
    assert not [h for h in links if h.startswith("/notebooks/") and h != "/notebooks/"], links
    assert all(_path(p) in links for p in posts)
    page.context.close()
    assert not problems, problems


def test_every_post_shows_its_reading_path(browser, base_url, site_posts):
    posts, _ = site_posts
    for post in posts:
        page, problems = open_page(browser, base_url, _path(post).lstrip("/"))
        first = page.evaluate("() => [...document.querySelectorAll('.reading-path a')]"
                              ".map(a => new URL(a.getAttribute('href'), location.href).pathname)")
        by_slug = {p.slug: p for p in posts}
        assert first == [_path(by_slug[s]) for s in post.prerequisites], f"{post.src_uri}: 先读 links {first}"
        followers = [_path(p) for p in posts if post.slug in p.prerequisites]
        nxt = page.evaluate("() => [...document.querySelectorAll('#read-next + ul a')]"
                            ".map(a => new URL(a.getAttribute('href'), location.href).pathname)")
        if followers:
            assert nxt == followers, f"{post.src_uri}: 接着读 {nxt}, expected {followers}"
        page.context.close()
        assert not problems, problems


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_404_page_in_chinese_offers_search_and_home(browser, scheme):
    """Served where the site lives (site_url's path, /notes/), as GitHub Pages serves it for any unknown URL."""
    root = Path(tempfile.mkdtemp())
    os.symlink(SITE.resolve(), root / "notes")
    url, server = serve(root)
    try:
        for size, viewport in VIEWPORTS.items():
            page, problems = open_page(browser, url, "notes/404.html", viewport=viewport, color_scheme=scheme)
            assert "找不到这个页面" in page.locator("h1").inner_text()
            assert page.evaluate("() => getComputedStyle(document.querySelector('.md-header')).position") != "static"
            hrefs = page.evaluate("() => [...document.querySelectorAll('.md-content a[href]')].map(a => a.href)")
            assert url + "notes/" in hrefs, hrefs  # the home page
            page.locator(".notes-open-search").click()
            assert page.evaluate("() => document.activeElement.getAttribute('data-md-component')") == "search-query"
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"404-{scheme}-{size}.png"))
            page.context.close()
            assert not problems, problems
    finally:
        server.shutdown()


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_search_index_loads_only_when_search_is_wanted(browser, base_url, size):
    """A page's first visit does not download the search index (it weighs more than most pages);
    opening search does, and a query typed at once finds the post (overrides/partials/notes/search-defer.html)."""
    page, problems = open_page(browser, base_url, "generative/ddpm/", viewport=VIEWPORTS[size])
    asked: list[str] = []
    page.on("request", lambda r: "search_index.json" in r.url and asked.append(r.url))
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    assert not asked, "the search index was downloaded before anyone searched"
    if page.locator("label.md-search__icon[for=__search], .md-header label[for=__search]").first.is_visible():
        page.locator(".md-header label[for=__search]").first.click()  # the phone's search button
    else:
        page.locator("input[data-md-component=search-query]").click()
    page.keyboard.type("扩散")
    page.locator(".md-search-result__item").first.wait_for(timeout=15_000)
    hrefs = page.evaluate("() => [...document.querySelectorAll('.md-search-result__link')].map(a => a.href)")
    assert any("/generative/ddpm/" in h for h in hrefs), hrefs
    assert len(asked) == 1, asked
    page.context.close()
    assert not problems, problems


def test_search_index_holds_prose_not_math():
    """The search index (downloaded when a reader opens search): TeX source and check marks stay out of it
    (data-search-exclude), the posts' prose stays in."""
    import json

    docs = json.loads((SITE / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    text = "".join(d["text"] for d in docs)
    assert "\\(" not in text and "\\[" not in text and "\\begin" not in text, "TeX source in the search index"
    assert "数值验证" not in text, "check marks in the search index"
    assert any(d["location"].startswith("generative/ddpm/") and "扩散" in d["text"] for d in docs)
