"""on_config: read and check every post's front matter, put the posts in reading order, and
generate the navigation from them (a hand-written `nav` is refused)."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # mkdocs loads this file by path: import this checkout's notesbuild
    sys.path.insert(0, str(ROOT))

from mkdocs.exceptions import PluginError  # noqa: E402

from notesbuild import posts  # noqa: E402
from notesbuild.state import STATE, log, reset, timed  # noqa: E402

PROTECTED_BRANCHES = ("main", "master", "gh-pages")  # never the branch that receives the notebooks


@timed
def on_config(config):
    reset()
    STATE.sections = sections = config.extra.get("sections") or {}
    repo, branch = config.get("repo_name") or "", config.extra.get("notebooks_branch") or ""
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo) or not branch:
        raise PluginError("mkdocs.yml: repo_name must be 'owner/name' and extra.notebooks_branch set "
                          f"(the Colab links need both; got repo_name={repo!r}, notebooks_branch={branch!r})")
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)*", branch) or branch in PROTECTED_BRANCHES:
        raise PluginError(f"mkdocs.yml: extra.notebooks_branch {branch!r} must be a branch of its own for the "
                          f"executed notebooks (publish.yml replaces its files), not one of {', '.join(PROTECTED_BRANCHES)}")
    STATE.colab.update(repo=repo, branch=branch)
    STATE.site_dir = Path(config.site_dir)
    docs = Path(config.docs_dir)
    found = [posts.read_post(path.relative_to(docs).as_posix(), path, path.parent.name, sections)
             for path in sorted(docs.glob("*/*.md")) if path.parent.name in sections and path.name != "index.md"]
    posts.check_links(found, _allowed_tags(config))
    STATE.posts = {p.src_uri: p for p in posts.reading_order(found, sections)}
    posts.add_git_dates(STATE.posts, docs.relative_to(ROOT).as_posix() if docs.is_relative_to(ROOT) else None)
    if config.nav:
        raise PluginError("mkdocs.yml: leave out `nav`: the navigation is generated from the posts' front matter "
                          "(notesbuild/posts.py, navigation())")
    config.nav = posts.navigation(list(STATE.posts.values()), sections)
    log.debug(f"{len(STATE.posts)} posts in reading order")
    return config


def _allowed_tags(config) -> set:
    plugin = config.plugins.get("material/tags") or config.plugins.get("tags")
    return {str(t) for t in plugin.config.tags_allowed} if plugin else set()
