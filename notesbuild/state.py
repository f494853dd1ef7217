"""What the build's hook files share during one build: the posts, what their notebooks produced.

MkDocs loads each file under notesbuild/hooks/ as a module of its own; they share `STATE`,
which on_config (notesbuild/hooks/posts.py) resets, so that every rebuild under `mkdocs serve`
starts clean. `timed` adds a hook's run time to `STATE.seconds` (printed at the end of the build;
`make bench` reads it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("mkdocs.plugins.notesbuild")


@dataclass
class Post:
    src_uri: str
    title: str
    date: dt.date
    section: str
    tags: list
    notebook: str
    summary: str
    updated: dt.datetime | None = None  # last change of page or notebook in git (None: none since added, or no git)
    prerequisites: list = field(default_factory=list)  # slugs of the posts to read first

    @property
    def slug(self) -> str:
        return Path(self.src_uri).stem


@dataclass
class Outputs:
    figures: dict = field(default_factory=dict)     # name -> site path, in notebook order
    values: dict = field(default_factory=dict)      # name -> number or string
    thumbnails: dict = field(default_factory=dict)  # figure name -> small image bytes for cards


@dataclass
class Build:
    posts: dict = field(default_factory=dict)      # src_uri -> Post, in reading order
    outputs: dict = field(default_factory=dict)    # notebook slug -> Outputs
    stamps: dict = field(default_factory=dict)     # notebook slug -> reproducibility stamp of its execution
    checks: dict = field(default_factory=dict)     # notebook slug -> its checks that name equations
    coverage: dict = field(default_factory=dict)   # post src_uri -> what backs each labelled equation
    sections: dict = field(default_factory=dict)   # folder -> title (mkdocs.yml extra.sections)
    colab: dict = field(default_factory=dict)      # "repo", "branch": where the published notebooks live
    site_dir: Path | None = None                   # where this build writes (removed if the build fails)
    notebook_css: dict = field(default_factory=dict)   # site path -> stylesheet of the notebook pages
    notebook_classes: set = field(default_factory=set)  # every class on the notebook pages
    seconds: float = 0.0                           # time spent in the hooks

    def post_of_notebook(self, slug: str) -> Post | None:
        return next((p for p in self.posts.values() if p.notebook == slug), None)

    def post_by_slug(self, slug: str) -> Post | None:
        return next((p for p in self.posts.values() if p.slug == slug), None)


STATE = Build()


def reset() -> None:
    for f in dataclasses.fields(Build):
        setattr(STATE, f.name, getattr(Build(), f.name))


def timed(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            STATE.seconds += time.perf_counter() - start
    return wrapper
