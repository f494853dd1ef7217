"""Last-commit dates from git (notesbuild/gitdates.py) and the "更新于" in a post's meta line."""

import datetime as dt
import os
import shutil
import subprocess

import pytest

from notesbuild import gitdates, posts
from notesbuild.state import Post

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo, *args, date=None):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    if date:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = date
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("1")
    (tmp_path / "docs" / "b.md").write_text("1")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-qm", "one", date="2026-01-02T10:00:00+08:00")
    (tmp_path / "docs" / "a.md").write_text("2")
    git(tmp_path, "commit", "-qam", "two", date="2026-03-04T10:00:00+00:00")
    return tmp_path


def test_each_file_gets_its_first_and_last_commit(repo):
    (repo / "docs" / "new.md").write_text("not committed")
    first = dt.datetime(2026, 1, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    dates = gitdates.commit_dates(["docs/a.md", "docs/b.md", "docs/new.md"], repo)
    assert dates == {"docs/a.md": gitdates.Dates(added=first, changed=dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC)),
                     "docs/b.md": gitdates.Dates(added=first, changed=first)}


def test_a_post_is_updated_only_by_a_later_commit(repo, monkeypatch):
    """hooks: the newest commit of page or notebook, unless it is the day the post was added."""
    (repo / "notebooks").mkdir()
    (repo / "notebooks" / "b.ipynb").write_text("{}")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "nb", date="2026-01-02T18:00:00+08:00")  # same day as docs/b.md
    found = {f"{s}.md": Post(f"s/{s}.md", s, dt.date(2025, 12, 1), "s", [], s, "") for s in "ab"}
    real = gitdates.commit_dates
    monkeypatch.setattr(gitdates, "commit_dates", lambda paths: real(paths, repo))
    posts.add_git_dates(found, "docs")
    assert found["a.md"].updated == dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC)  # edited later
    assert found["b.md"].updated is None  # page and notebook added on the same day


def test_no_repository_means_no_dates(tmp_path_factory):
    plain = tmp_path_factory.mktemp("plain")  # e.g. a source tarball
    (plain / "a.md").write_text("1")
    assert gitdates.commit_dates(["a.md"], plain) is None


def test_shallow_clone_means_no_dates(tmp_path_factory, repo):
    clone = tmp_path_factory.mktemp("shallow") / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    assert gitdates.commit_dates(["docs/a.md"], clone) is None


def test_meta_line_shows_update_only_when_later():
    from mkdocs.config import load_config

    from notesbuild import partials
    from notesbuild.state import ROOT

    config = load_config(str(ROOT / "mkdocs.yml"))
    post = Post("generative/demo.md", "演示 <b>", dt.date(2026, 1, 1), "generative", ["t"], "demo", "摘要",
                prerequisites=["ddpm"])

    def meta():
        return partials.render(config, "post-meta", post=post, section="生成模型", section_url="../",
                               read_first=[("DDPM <1>", "../ddpm/")], actions="")

    assert "更新于" not in meta()
    post.updated = dt.datetime(2026, 1, 1, 23, tzinfo=dt.UTC)
    assert "更新于" not in meta()
    post.updated = dt.datetime(2026, 2, 3, 9, tzinfo=dt.UTC)
    assert "更新于 <time datetime=\"2026-02-03T09:00:00+00:00\">2026-02-03</time>" in meta()
    assert '先读：<a href="../ddpm/">DDPM &lt;1&gt;</a>' in meta()  # texts are escaped
