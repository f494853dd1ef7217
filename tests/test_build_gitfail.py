"""git's three answers kept apart (notesbuild/gitdates.py): a checkout, no checkout, and git failing
or missing in a checkout; the reproducibility stamp and the log say which."""

import logging
import os
import shutil
import subprocess

import pytest

from notesbuild import cache, execute, gitdates

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
       "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}


def make_repo(path, commit=True):
    subprocess.run(["git", "init", "-q", str(path)], check=True, env=ENV)
    (path / "a.md").write_text("1")
    if commit:
        subprocess.run(["git", "-C", str(path), "add", "."], check=True, env=ENV)
        subprocess.run(["git", "-C", str(path), "commit", "-qm", "one"], check=True, env=ENV)
    return path


def test_checkout_answers(tmp_path, monkeypatch):
    repo = make_repo(tmp_path / "repo")
    assert gitdates.git(repo, "rev-parse", "--is-inside-work-tree").strip() == "true"
    monkeypatch.setattr(cache, "ROOT", repo)
    commit = execute.commit_of("a")
    assert len(commit) == 12 and not commit.startswith("unknown")


def test_no_checkout_is_not_an_error(tmp_path, monkeypatch, caplog):
    plain = tmp_path / "tarball"
    plain.mkdir()
    assert gitdates.git(plain, "rev-parse", "HEAD") is None
    monkeypatch.setattr(cache, "ROOT", plain)
    assert execute.commit_of("a") == "unknown (not a git checkout)"
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.notesbuild"):
        assert gitdates.commit_dates(["a.md"], plain) is None
    assert caplog.records == []


def test_git_failing_in_a_checkout_is_said(tmp_path, monkeypatch, caplog, capsys):
    repo = make_repo(tmp_path / "fresh", commit=False)  # a checkout whose HEAD names no commit yet
    with pytest.raises(gitdates.GitError, match=r"git -C .*fresh rev-parse --short=12 HEAD failed \(exit 128\): fatal"):
        gitdates.git(repo, "rev-parse", "--short=12", "HEAD")
    monkeypatch.setattr(cache, "ROOT", repo)
    commit = execute.commit_of("a")
    assert commit.startswith("unknown (git failed: git -C") and "not a git checkout" not in commit
    assert "a.ipynb: the stamp names no commit" in capsys.readouterr().err
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.notesbuild"):
        assert gitdates.commit_dates(["a.md"], repo) is None
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "no post shows an update date: git -C" in caplog.records[0].getMessage()


def test_git_missing_is_said(tmp_path, monkeypatch, caplog):
    repo = make_repo(tmp_path / "repo")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(gitdates.GitMissing, match="git is not installed"):
        gitdates.git(repo, "rev-parse", "HEAD")
    monkeypatch.setattr(cache, "ROOT", repo)
    assert execute.commit_of("a").endswith("git is not installed)")
    with caplog.at_level(logging.INFO, logger="mkdocs.plugins.notesbuild"):
        assert gitdates.commit_dates(["a.md"], repo) is None
    assert [r.levelname for r in caplog.records] == ["INFO"]  # a machine without git: said, not a failure
