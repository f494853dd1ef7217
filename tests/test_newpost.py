"""`make new-post` writes a page and a notebook that build as they are (the scaffold's promise)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from notesbuild import cache, newpost

ROOT = cache.ROOT
COPY = ["mkdocs.yml", "requirements", "package-lock.json", "ruff.toml", "notesbuild", "snippets", "overrides"]


@pytest.fixture
def site_copy(tmp_path):
    """This repository without its posts: the build code, snippets, theme and the site's own pages."""
    for name in COPY:
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, tmp_path / name)
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=lambda d, names: [
        n for n in names if n.endswith(".md") and Path(d).parent == ROOT / "docs"])  # no posts, keep index/tags
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    return tmp_path


def test_new_post_builds_as_written(site_copy):
    page, notebook = newpost.new_post("generative", "demo-post", "演示：新文章", root=site_copy)
    assert page == site_copy / "docs" / "generative" / "demo-post.md" and notebook.is_file()
    env = {k: v for k, v in os.environ.items() if k not in ("NOTES_REQUIRE_CACHED", "PYTHONPATH")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    build = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=site_copy, env=env,
                           capture_output=True, text=True, timeout=600)
    log = build.stdout + build.stderr
    assert build.returncode == 0, log[-3000:]
    assert "docs/generative/demo-post.md: equations checked: 1/1" in log
    html = (site_copy / "site" / "generative" / "demo-post" / "index.html").read_text(encoding="utf-8")
    assert "✓ 数值验证" in html and "<mjx-container" in html and "figures/demo-post/demo-post-variance.svg" in html
    lint = subprocess.run([Path(sys.executable).with_name("ruff"), "check", str(notebook)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_new_post_refuses_unknown_section_bad_slug_and_existing_files(site_copy):
    with pytest.raises(ValueError, match="section 'nope' is not in mkdocs.yml"):
        newpost.new_post("nope", "x", root=site_copy)
    with pytest.raises(ValueError, match="lower-case words joined by hyphens"):
        newpost.new_post("generative", "Bad_Slug", root=site_copy)
    newpost.new_post("generative", "twice", root=site_copy)
    with pytest.raises(ValueError, match="already exists"):
        newpost.new_post("basics", "twice", root=site_copy)
