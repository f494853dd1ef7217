"""Headless Chromium over the built site, shared by the browser tests (tests/browser/) and `make bench`:
where Debian's Chromium is, the flags it runs with here, and a quiet local web server for a folder."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class ChromiumNotFound(RuntimeError):
    """No Chromium on PATH."""


def chromium_path() -> str:
    """Debian's Chromium (Playwright downloads no browser of its own here)."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise ChromiumNotFound("Chromium not found: `make test` installs Debian's chromium (apt-get install chromium)")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path) -> tuple[str, http.server.ThreadingHTTPServer]:
    """Serve `folder` on 127.0.0.1 (a free port) from a daemon thread: (base URL, server to shut down)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server
