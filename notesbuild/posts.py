"""The posts: front matter read and checked, reading order, reading paths, navigation.

A post is a page docs/<section>/<slug>.md whose front matter has the REQUIRED fields; optional:
`prerequisites` (slugs of posts to read first) and `unchecked` (read by notesbuild/checkmarks.py). Every error names the file, and the line where
it can.

Reading order, inside a section: a post comes after the posts it names as prerequisites, else
by date, then title. It orders the sidebar, the section pages, and the footer's previous/next.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.utils.meta import YAML_RE, SafeLoader, yaml

from notesbuild import execute, gitdates
from notesbuild.state import Post

REQUIRED = ("title", "date", "section", "tags", "notebook", "summary")
SLUG_RE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def front_matter(where: str, text: str) -> dict:
    """A page's YAML front matter; mkdocs' own reader drops a YAML error silently (the page then
    seems to have no front matter at all), so read it here and say what is wrong, where."""
    m = YAML_RE.match(text)
    if not m:
        raise PluginError(f"{where}: no front matter (a post starts with a --- block: {', '.join(REQUIRED)})")
    try:
        meta = yaml.load(m.group(1), SafeLoader)
    except (yaml.YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f": line {mark.line + 2}" if mark else ""  # +2: the opening --- and 1-based lines
        raise PluginError(f"{where}{line}: front matter is not valid YAML: {exc}".replace("\n", " ")) from None
    if not isinstance(meta, dict):
        raise PluginError(f"{where}: front matter must be a mapping of fields, got {type(meta).__name__}")
    return meta


def _slugs(where: str, meta: dict, key: str) -> list:
    value = meta.get(key) or []
    if not isinstance(value, list) or not all(isinstance(s, str) and SLUG_RE.fullmatch(s) for s in value):
        raise PluginError(f"{where}: {key} must be a list of post slugs, e.g. [ddpm, ddim]; got {value!r}")
    return value


def read_post(src_uri: str, path: Path, folder: str, sections: dict) -> Post:
    where = f"docs/{src_uri}"
    meta = front_matter(where, path.read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED if not meta.get(k)]
    if missing:
        raise PluginError(f"{where}: front matter lacks {', '.join(missing)} (needs {', '.join(REQUIRED)})")
    if meta["section"] != folder:
        raise PluginError(f"{where}: front matter section '{meta['section']}' but the page is in docs/{folder}/")
    if not isinstance(meta["date"], dt.date) or isinstance(meta["date"], dt.datetime):
        raise PluginError(f"{where}: date '{meta['date']}' is not a YYYY-MM-DD date (no time of day)")
    if not isinstance(meta["tags"], list):
        raise PluginError(f"{where}: tags must be a list, e.g. [扩散模型, 生成模型]")
    if not (execute.NOTEBOOKS / f"{meta['notebook']}.ipynb").is_file():
        raise PluginError(f"{where}: notebook '{meta['notebook']}' has no notebooks/{meta['notebook']}.ipynb")
    return Post(src_uri, str(meta["title"]), meta["date"], folder, [str(t) for t in meta["tags"]],
                str(meta["notebook"]), str(meta["summary"]), prerequisites=_slugs(where, meta, "prerequisites"))


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def check_links(posts: list[Post], allowed_tags: set) -> None:
    """Each post has a notebook of its own; every prerequisite names an existing post (not the post
    itself); every tag is spelled as in the site's tag list (the tags plugin's `tags_allowed` in
    mkdocs.yml), when there is one."""
    slugs = {p.slug for p in posts}
    owner: dict = {}
    for p in posts:
        if p.notebook in owner:
            raise PluginError(f"docs/{p.src_uri}: notebook '{p.notebook}' already belongs to docs/{owner[p.notebook]}; "
                              "each post has a notebook of its own")
        owner[p.notebook] = p.src_uri
        for s in p.prerequisites:
            if s == p.slug or s not in slugs:
                why = "names the post itself" if s == p.slug else f"names no post{_suggest(s, slugs - {p.slug})}"
                raise PluginError(f"docs/{p.src_uri}: prerequisites: '{s}' {why}")
        for tag in p.tags if allowed_tags else ():
            if tag not in allowed_tags:
                raise PluginError(f"docs/{p.src_uri}: tag '{tag}' is not in the site's tag list{_suggest(tag, allowed_tags)}; "
                                  "use an existing spelling, or add a new concept to tags_allowed in mkdocs.yml")


def reading_order(posts: list[Post], sections: dict) -> list[Post]:
    """Posts by section (mkdocs.yml order); inside a section, prerequisites first, then by date and title."""
    ordered = []
    for folder in sections:
        todo = sorted((p for p in posts if p.section == folder), key=lambda p: (p.date, p.title))
        inside = {p.slug for p in todo}
        placed: set = set()
        while todo:
            ready = next((p for p in todo if all(s in placed or s not in inside for s in p.prerequisites)), None)
            if ready is None:
                raise PluginError("prerequisites form a cycle: " + ", ".join(f"docs/{p.src_uri}" for p in todo))
            todo.remove(ready)
            placed.add(ready.slug)
            ordered.append(ready)
    return ordered


def followers(post: Post, posts) -> list[Post]:
    """The posts that name `post` as a prerequisite: where to read on."""
    return [p for p in posts if post.slug in p.prerequisites]


def navigation(posts: list[Post], sections: dict) -> list:
    """The sidebar: the home page, each section (its page, then its posts in reading order), the
    tags page, and the index of notebooks (the notebook pages themselves are reached from their posts)."""
    nav: list = [{"首页": "index.md"}]
    for folder, title in sections.items():
        inside = [p.src_uri for p in posts if p.section == folder]
        if inside:
            nav.append({title: [f"{folder}/index.md", *inside]})
    nav.append({"标签": "tags.md"})
    if posts:
        nav.append({"Notebooks": "notebooks/index.md"})
    return nav


def add_git_dates(posts: dict, docs_rel: str | None) -> None:
    """Each post's last change: the last commit to its page or its notebook, when that came on a
    later day than the commit that added them (adding a post is no update). One git call for all.

    Without git history (a shallow or history-less clone, see notesbuild/gitdates.py), or for
    files not committed yet, `updated` stays None and the post shows its front-matter date only.
    """
    if docs_rel is None:
        return
    paths = {uri: (f"{docs_rel}/{uri}", f"notebooks/{p.notebook}.ipynb") for uri, p in posts.items()}
    dates = gitdates.commit_dates(path for pair in paths.values() for path in pair) or {}
    for uri, pair in paths.items():
        known = [dates[path] for path in pair if path in dates]
        if not known:
            continue
        added, changed = min(d.added for d in known), max(d.changed for d in known)
        posts[uri].updated = changed if changed.date() > added.date() else None
