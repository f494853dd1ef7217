"""Serve the built site on 127.0.0.1 and start Debian's Chromium for the browser tests
(notesbuild/browser.py, shared with `make bench`)."""

from pathlib import Path

import pytest

from notesbuild.browser import CHROMIUM_FLAGS, ChromiumNotFound, serve
from notesbuild.browser import chromium_path as _chromium_path

SITE = Path(__file__).resolve().parents[2] / "site"


def chromium_path() -> str:
    try:
        return _chromium_path()
    except ChromiumNotFound as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def base_url():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"{SITE} is not built: run `mkdocs build` first (make test does)")
    url, server = serve(SITE)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
