"""When each file was added and last changed, from git history: the "更新于" date of a post.

`commit_dates` asks git once for all the files (one `git log` over the history, newest
commit first: the first commit that names a file is its last change, the last one its
creation), so the cost does not grow with the number of pages (~10 ms here).

Without usable history it returns None and a post shows only its front-matter `date`:
- the folder is no git checkout (a source tarball);
- a shallow clone (`git clone --depth 1`, actions/checkout's default), whose single
  commit would date every file at that commit. The publish workflow checks out
  with full history (fetch-depth: 0) for this reason;
- git is not installed (said in the log);
- git fails or hangs in a checkout: then it logs a warning naming the command and git's
  message (a strict build stops on it), since that is no tarball.
Files that git does not know (new, not yet committed) are absent from the result.

`git` itself tells the cases apart: None for "not a git checkout", GitMissing, GitError.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("mkdocs.plugins.notesbuild")
_COMMIT = "\x01"  # marks a commit line in the log output; a path never starts with it


@dataclass
class Dates:
    added: dt.datetime    # committer date of the commit that added the file
    changed: dt.datetime  # ... and of the last commit that changed it


def commit_dates(paths: Iterable[str], root: Path = ROOT) -> dict[str, Dates] | None:
    """{path: Dates} for the given paths (relative to `root`) that git has commits for.

    None when the history is missing or shallow (see the module docstring).
    """
    wanted = sorted(set(paths))
    if not wanted:
        return {}
    try:
        shallow = git(root, "rev-parse", "--is-shallow-repository")
        if shallow is None or shallow.strip() != "false":
            return None
        history = git(root, "-c", "core.quotePath=false", "log", f"--format={_COMMIT}%cI", "--name-only",
                      "--no-renames", "--relative", "--", *wanted)
    except GitMissing as exc:
        log.info(f"no post shows an update date: {exc}")
        return None
    except GitError as exc:
        log.warning(f"no post shows an update date: {exc}")
        return None
    if history is None:
        return None
    dates: dict[str, Dates] = {}
    when = None
    for line in history.splitlines():
        if line.startswith(_COMMIT):
            when = dt.datetime.fromisoformat(line[1:])
        elif line and when is not None:
            if line in dates:
                dates[line].added = when  # older commits come later
            else:
                dates[line] = Dates(added=when, changed=when)
    return {p: dates[p] for p in wanted if p in dates}


class GitError(Exception):
    """git failed or hung where it had to answer (the message says which)."""


class GitMissing(GitError):
    """git is not installed."""


def git(root: Path, *args: str) -> str | None:
    """stdout of `git -C root args...`; None when `root` is not inside a git checkout.

    Raises GitMissing when git is not installed, GitError when it hangs (60 s) or fails for another reason
    (a checkout without commits, a broken repository): its message names the command and
    quotes git's own first line of error.
    """
    command = f"git -C {root} {' '.join(args)}"
    env = {**os.environ, "LC_ALL": "C", "LANGUAGE": ""}  # git's messages in English, to recognise one
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=60, check=False, env=env)
    except FileNotFoundError:
        raise GitMissing(f"{command}: git is not installed") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"{command}: no answer in 60 s") from None
    except OSError as exc:
        raise GitError(f"{command}: {exc}") from None
    if done.returncode == 0:
        return done.stdout
    message = next((line.strip() for line in done.stderr.splitlines() if line.strip()), "(no message)")
    if "not a git repository" in message.lower():
        return None
    raise GitError(f"{command} failed (exit {done.returncode}): {message}")
