"""When each file was added and last changed, from git history: the "更新于" date of a post.

`commit_dates` asks git once for all the files (one `git log` over the history, newest
commit first: the first commit that names a file is its last change, the last one its
creation), so the cost does not grow with the number of pages (~10 ms here).

Without usable history it returns None and a post shows only its front-matter `date`:
- no git, or the folder is no repository (a source tarball);
- a shallow clone (`git clone --depth 1`, actions/checkout's default), whose single
  commit would date every file at that commit. The publish workflow checks out
  with full history (fetch-depth: 0) for this reason.
Files that git does not know (new, not yet committed) are absent from the result.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
    shallow = git(root, "rev-parse", "--is-shallow-repository")
    if shallow is None or shallow.strip() != "false":
        return None
    log = git(root, "-c", "core.quotePath=false", "log", f"--format={_COMMIT}%cI", "--name-only",
               "--no-renames", "--relative", "--", *wanted)
    if log is None:
        return None
    dates: dict[str, Dates] = {}
    when = None
    for line in log.splitlines():
        if line.startswith(_COMMIT):
            when = dt.datetime.fromisoformat(line[1:])
        elif line and when is not None:
            if line in dates:
                dates[line].added = when  # older commits come later
            else:
                dates[line] = Dates(added=when, changed=when)
    return {p: dates[p] for p in wanted if p in dates}


def git(root: Path, *args: str) -> str | None:
    """stdout of `git -C root args...`, or None when git is missing, fails or hangs."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              encoding="utf-8", timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None
