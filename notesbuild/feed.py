"""Atom feed of the posts (RFC 4287), written by the build as `feed.xml` at the site root.

notesbuild/hooks/listings.py calls `atom` with one `Entry` per post (from its front matter;
`updated` from git, see notesbuild/gitdates.py) and adds the result to the site.
Entries are newest first; the feed's own `updated` is its newest entry's, so the
file changes only when a post does (no churn between builds).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

ATOM = "http://www.w3.org/2005/Atom"
PATH = "feed.xml"


@dataclass
class Entry:
    title: str
    url: str                    # absolute
    published: dt.date
    summary: str
    updated: dt.datetime | None = None  # last change; None: the publication date
    categories: list[str] = field(default_factory=list)


def atom(entries: list[Entry], *, site_url: str, title: str, subtitle: str = "", author: str = "",
         lang: str = "zh") -> bytes:
    """The feed document (UTF-8 bytes). `site_url` is the site's absolute root URL."""
    if not site_url.startswith(("https://", "http://")):
        raise ValueError(f"site_url must be an absolute http(s) URL for the feed, not {site_url!r}")
    root_url = site_url.rstrip("/") + "/"
    ET.register_namespace("", ATOM)
    feed = ET.Element(_q("feed"), {"{http://www.w3.org/XML/1998/namespace}lang": lang})
    _text(feed, "id", root_url)
    _text(feed, "title", title)
    if subtitle:
        _text(feed, "subtitle", subtitle)
    ET.SubElement(feed, _q("link"), rel="alternate", type="text/html", href=root_url)
    ET.SubElement(feed, _q("link"), rel="self", type="application/atom+xml", href=root_url + PATH)
    _text(ET.SubElement(feed, _q("author")), "name", author or title)

    ordered = sorted(entries, key=lambda e: (e.published, e.title), reverse=True)
    times = [_last_change(e) for e in ordered]
    _text(feed, "updated", _rfc3339(max(times) if times else _midnight(dt.date(1970, 1, 1))))
    for entry, last in zip(ordered, times, strict=True):
        item = ET.SubElement(feed, _q("entry"))
        _text(item, "id", entry.url)
        _text(item, "title", entry.title)
        ET.SubElement(item, _q("link"), rel="alternate", type="text/html", href=entry.url)
        _text(item, "published", _rfc3339(_midnight(entry.published)))
        _text(item, "updated", _rfc3339(last))
        _text(item, "summary", entry.summary)
        for term in entry.categories:
            ET.SubElement(item, _q("category"), term=str(term))
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _q(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    el = ET.SubElement(parent, _q(tag))
    el.text = text
    return el


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _last_change(entry: Entry) -> dt.datetime:
    published = _midnight(entry.published)
    return max(published, entry.updated) if entry.updated else published


def _rfc3339(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
