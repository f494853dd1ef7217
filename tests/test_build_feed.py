"""The Atom feed (notesbuild/feed.py): well-formed, one entry per post, newest first."""

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import get_files

from notesbuild import feed
from notesbuild.hooks import listings
from notesbuild.hooks import posts as posts_hook
from notesbuild.state import STATE

A = "{http://www.w3.org/2005/Atom}"
ROOT = Path(__file__).resolve().parent.parent


def entries():
    return [
        feed.Entry("旧文 <1> & 符号", "https://example.org/notes/a/old/", dt.date(2026, 1, 5), "摘要 $x<y$"),
        feed.Entry("新文", "https://example.org/notes/b/new/", dt.date(2026, 3, 1), "新的",
                   updated=dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))),
                   categories=["扩散模型", "ODE"]),
        feed.Entry("中间", "https://example.org/notes/a/mid/", dt.date(2026, 2, 1), "中"),
    ]


def parse(data: bytes) -> ET.Element:
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(data)


def test_feed_is_atom_with_entries_newest_first():
    root = parse(feed.atom(entries(), site_url="https://example.org/notes", title="笔记", subtitle="推导"))
    assert root.tag == f"{A}feed"
    assert root.findtext(f"{A}id") == "https://example.org/notes/"
    assert root.find(f"{A}link[@rel='self']").get("href") == "https://example.org/notes/feed.xml"
    assert root.findtext(f"{A}author/{A}name") == "笔记"
    items = root.findall(f"{A}entry")
    assert [e.findtext(f"{A}title") for e in items] == ["新文", "中间", "旧文 <1> & 符号"]
    for e in items:  # what RFC 4287 requires of an entry
        assert e.findtext(f"{A}id") and e.findtext(f"{A}updated") and e.find(f"{A}link").get("href")
    assert items[2].findtext(f"{A}summary") == "摘要 $x<y$"
    assert [c.get("term") for c in items[0].findall(f"{A}category")] == ["扩散模型", "ODE"]


def test_updated_is_the_last_change_in_utc():
    root = parse(feed.atom(entries(), site_url="https://example.org/notes/", title="t"))
    first, *_, last = root.findall(f"{A}entry")
    assert first.findtext(f"{A}published") == "2026-03-01T00:00:00Z"
    assert first.findtext(f"{A}updated") == "2026-04-02T02:00:00Z"  # git date, +08:00 -> UTC
    assert last.findtext(f"{A}updated") == last.findtext(f"{A}published") == "2026-01-05T00:00:00Z"
    assert root.findtext(f"{A}updated") == "2026-04-02T02:00:00Z"  # newest entry: stable between builds


def test_empty_feed_is_still_valid():
    root = parse(feed.atom([], site_url="https://example.org/", title="t"))
    assert root.findall(f"{A}entry") == [] and root.findtext(f"{A}updated")


def test_relative_site_url_is_refused():
    with pytest.raises(ValueError, match="absolute"):
        feed.atom(entries(), site_url="/notes/", title="t")


def test_site_feed_has_one_entry_per_post():
    """The feed the build writes, from the real mkdocs.yml and posts (no notebook is executed)."""
    config = load_config(str(ROOT / "mkdocs.yml"))
    posts_hook.on_config(config)
    posts = sorted(p for p in (ROOT / "docs").glob("*/*.md") if p.parent.name in config.extra["sections"] and p.name != "index.md")
    assert len(STATE.posts) == len(posts) > 0
    root = parse(listings._feed(get_files(config), config))
    items = root.findall(f"{A}entry")
    assert len(items) == len(posts)
    published = [e.findtext(f"{A}published") for e in items]
    assert published == sorted(published, reverse=True)
    assert all(e.findtext(f"{A}id").startswith(config.site_url) for e in items)
