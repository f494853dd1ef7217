"""Fault injection: each fault of issue 11 (and more) is put into a miniature repository or site; the
build must stop with a message that names it, leave nothing behind (kernel, temporary folder, cache
entry, site/), and the next run after removing the fault must be clean.

Faults of issue 11 tested elsewhere, not repeated here: two builds storing one cache entry
(test_build_cache: test_storing_an_entry_twice_keeps_one_complete_entry), NOTES_CELL_TIMEOUT=abc at
the source (test_bad_cell_timeout_is_a_clear_error; the command line's answer is below), front matter,
nb: references and line numbers one by one (test_build_hooks). Below they go through a real build.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from notesbuild import cache, execute
from tests.test_build_cache import FAKE_RUNTIME, make_nb, repo  # noqa: F401 (the miniature repository fixture)
from tests.test_newpost import site_copy  # noqa: F401 (a copy of the site without its posts)

# fault -> (cells of its notebook, snippet files it needs, what the message must say)
NOTEBOOK_FAULTS = {
    "snippet-imports-yaml": (["from snippets import cfg"], {"cfg.py": "import os\n\nimport yaml\n"},
                             r"snippet-imports-yaml.ipynb: cell 1 failed: ModuleNotFoundError: No module named 'yaml' "
                             r"in the notebook runtime: snippets/cfg.py imports 'yaml'.*Allowed: torch, numpy.*"
                             r"\(raised in snippets/cfg.py, line 3\)"),
    "computed-import": (["name = 'req' + 'uests'\n__import__(name)"], {},  # the static policy scan cannot see it
                        r"computed-import.ipynb: cell 1 failed: ModuleNotFoundError: No module named 'requests' in "
                        r"the notebook runtime: the notebook's code imports 'requests'"),
    "snippet-raises-on-import": (["x = 1", "from snippets import broken"], {"broken.py": "A = 1\nB = undefined\n"},
                                 r"snippet-raises-on-import.ipynb: cell 2 failed: NameError: name 'undefined' is not "
                                 r"defined \(raised in snippets/broken.py, line 2\)"),
    "sys-exit": (["import sys\nsys.exit(3)"], {}, r"sys-exit.ipynb: cell 1 failed: SystemExit: 3"),
    "os-exit": (["x = 1", "import os\nos._exit(7)"], {}, r"os-exit.ipynb: kernel died during cell 2 \(exit status 7\)"),
    "segfault": (["import ctypes\nctypes.string_at(0)"], {},
                 r"segfault.ipynb: kernel died during cell 1 \(killed by SIGSEGV\)"),
    "huge-output": (["print('x' * 6_000_000)"], {},
                    r"huge-output.ipynb: cell 1 produced 6 MB of output \(at most 5 MB"),
    "raises-keyboardinterrupt": (["raise KeyboardInterrupt"], {},  # a cell's own exception, not a Ctrl-C
                                 r"raises-keyboardinterrupt.ipynb: cell 1 failed: KeyboardInterrupt"),
    "reads-stdin": (["input('?')"], {}, r"reads-stdin.ipynb: cell 1 failed: StdinNotImplementedError"),
}
# a notebook without a fault; the runtime packages import what they need (matplotlib: dateutil,
# pyparsing, ...), and the import guard lets them
CLEAN = "import json\nimport matplotlib\nimport numpy\nprint(json.dumps(1))"


def kernels() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "ipykernel" in " ".join(p.cmdline())]


def test_notebook_faults_are_named_and_the_next_run_is_clean(repo, monkeypatch):  # noqa: F811
    nbdir, snippets = repo / "notebooks", repo / "snippets"
    for slug, (cells, files, _) in NOTEBOOK_FAULTS.items():
        for name, text in files.items():
            (snippets / name).write_text(text)
        make_nb(nbdir / f"{slug}.ipynb", *[("code", c) for c in cells])
    with pytest.raises(execute.ExecutionError) as failed:
        execute.ensure_executed(nb_dir=nbdir, jobs=2, log=lambda *a: None)
    message = str(failed.value)
    missed = [slug for slug, (_, _, pattern) in NOTEBOOK_FAULTS.items() if not re.search(pattern, message)]
    assert not missed, f"faults not named as expected: {missed}\n{message}"
    assert "Traceback" not in message and not any(cache.CACHE_DIR.glob("*/record.json"))

    # the next run: faults removed, and a killed build's folder from two days ago to clear away
    tmp = repo / "tmp"
    (tmp / "mlnotes-old-x").mkdir(parents=True)
    os.utime(tmp / "mlnotes-old-x", (time.time() - 2 * 86400,) * 2)
    (tmp / "mlnotes-running-x").mkdir()  # another build's, still in use
    monkeypatch.setattr("tempfile.tempdir", str(tmp))
    for i, slug in enumerate(NOTEBOOK_FAULTS):
        make_nb(nbdir / f"{slug}.ipynb", ("code", CLEAN if i == 0 else "x = 1"))
    results = execute.ensure_executed(nb_dir=nbdir, jobs=2, log=lambda *a: None)
    assert {r.status for r in results.values()} == {"executed"} and len(results) == len(NOTEBOOK_FAULTS)
    assert sorted(p.name for p in tmp.iterdir()) == ["mlnotes-running-x"]
    assert not kernels()


def test_timeout_says_only_what_happened(repo, capfd):  # noqa: F811
    """A timeout used to print the kernel's ZMQError traceback (its sockets closing under the cell)."""
    make_nb(repo / "notebooks" / "slow.ipynb", ("code", "import sys\nprint('kernel-note', file=sys.__stderr__)"),
            ("code", "import time\ntime.sleep(60)"))
    with pytest.raises(execute.ExecutionError, match=r"slow.ipynb: cell 2 exceeded the per-cell timeout of 3 s"):
        execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1, timeout=3, log=lambda *a: None)
    err = capfd.readouterr().err
    assert "ZMQError" not in err and "Traceback" not in err, err
    # negative control: the kernel's stderr is not thrown away when the run is the notebook's own
    make_nb(repo / "notebooks" / "slow.ipynb", ("code", "import sys\nprint('kernel-note', file=sys.__stderr__)"))
    execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1, log=lambda *a: None)
    assert "slow.ipynb: the kernel wrote to stderr:\nkernel-note" in capfd.readouterr().err


def test_a_killed_worker_is_named_and_the_next_run_is_clean(repo, monkeypatch, tmp_path):  # noqa: F811
    """The process that runs a notebook dies (here the notebook kills it; in life, out of memory)."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the killed worker leaves its kernel's folder
    make_nb(repo / "notebooks" / "a.ipynb", ("code", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"))
    with pytest.raises(execute.ExecutionError, match=r"a.ipynb: the build worker running it died \(killed, or out "
                                                     r"of memory\?\); nothing cached"):
        execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1, log=lambda *a: None)
    make_nb(repo / "notebooks" / "a.ipynb", ("code", "x = 1"))
    assert execute.ensure_executed(nb_dir=repo / "notebooks", jobs=1, log=lambda *a: None)["a"].status == "executed"


def _main(root: Path, *args: str, **popen) -> subprocess.Popen:
    """`python -m notesbuild.execute` on the miniature repository (its paths passed on from the fixture)."""
    paths = {name: str(value) for name, value in vars(cache).items()
             if isinstance(value, Path) and value.is_relative_to(root)}
    code = (f"import sys; from pathlib import Path; sys.path.insert(0, {str(cache.ROOT)!r})\n"
            f"from notesbuild import cache, execute\n"
            f"for name, value in {paths!r}.items(): setattr(cache, name, Path(value))\n"
            f"execute.NOTEBOOKS = Path({str(root / 'notebooks')!r})\n"
            f"sys.exit(execute.main({list(args)!r}))")
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **popen)


@pytest.mark.parametrize("who, signum", [("terminal", signal.SIGINT), ("parent-only", signal.SIGINT),
                                         ("terminal", signal.SIGTERM), ("parent-only", signal.SIGTERM)])
def test_ctrl_c_says_interrupted_and_leaves_nothing(repo, tmp_path, who, signum):  # noqa: F811
    """Ctrl-C reaches the whole foreground process group (the build and its workers); `kill -INT`
    reaches the build alone, which passes it on. Either way: interrupted, not a tooling failure.
    SIGTERM (a runner cancelling the job, to the group or to the build alone) ends the same way."""
    marker = tmp_path / "kernel.pid"
    make_nb(repo / "notebooks" / "long.ipynb",
            ("code", f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)"))
    tmp = tmp_path / "tmp"  # this test's own temporary folder: a parallel test's kernel folders are not ours
    tmp.mkdir()
    run = _main(repo, "--jobs", "1", start_new_session=True, env={**os.environ, "TMPDIR": str(tmp)})
    deadline = time.time() + 60
    while not (marker.exists() and marker.read_text()) and time.time() < deadline and run.poll() is None:
        time.sleep(0.1)
    assert marker.exists() and marker.read_text(), "the notebook never started: " + "".join(run.communicate())
    kernel_pid = int(marker.read_text())
    assert list(tmp.glob("mlnotes-long-*")), "the kernel's folder is not where this test looks for leftovers"
    start = time.perf_counter()
    (os.killpg if who == "terminal" else os.kill)(run.pid, signum)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130, out + err
    how = "SIGTERM" if signum == signal.SIGTERM else "Ctrl-C"
    assert f"interrupted ({how}): long.ipynb stopped in cell 1 (not cached)" in err, err
    assert "Traceback" not in err and "AssertionError" not in err and "ZMQError" not in err, err
    assert time.perf_counter() - start < 15
    assert not psutil.pid_exists(kernel_pid) or psutil.Process(kernel_pid).status() == psutil.STATUS_ZOMBIE
    assert not list(cache.CACHE_DIR.iterdir())  # no entry, no temporary folder of one
    assert not list(tmp.glob("mlnotes-*"))

    make_nb(repo / "notebooks" / "long.ipynb", ("code", "x = 1"))  # the next run is clean
    run = _main(repo, "--jobs", "1")
    out, err = run.communicate(timeout=60)
    assert run.returncode == 0 and "notebooks: executed=1 cached=0" in out, out + err


@pytest.mark.parametrize("variable, value, message", [
    ("NOTES_CELL_TIMEOUT", "abc", "NOTES_CELL_TIMEOUT='abc': expected a whole number of seconds"),
    ("NOTES_PROFILE", "fast", "NOTES_PROFILE='fast': expected one of"),
    ("NOTES_THREADS", "0", "NOTES_THREADS='0': expected a positive integer"),
])
def test_bad_setting_is_one_line_from_the_command(repo, monkeypatch, capsys, variable, value, message):  # noqa: F811
    make_nb(repo / "notebooks" / "a.ipynb", ("code", "x = 1"))
    monkeypatch.setattr(execute, "NOTEBOOKS", repo / "notebooks")
    monkeypatch.setenv(variable, value)
    assert execute.main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {message}") and err.count("\n") == 1, err


@pytest.mark.parametrize("fault, message", [
    ("notebook", r"broken.ipynb: not a readable notebook"),
    ("snippet", r"snippets/bad.py: syntax error at line 2"),
    ("cache", r"notebook execution failed: \[Errno 20\] Not a directory"),  # a disk that cannot take the cache
])
def test_unreadable_inputs_and_unwritable_cache_are_named(repo, monkeypatch, fault, message):  # noqa: F811
    nbdir = repo / "notebooks"
    make_nb(nbdir / "broken.ipynb", ("code", "from snippets import bad" if fault == "snippet" else "x = 1"))
    (repo / "snippets" / "bad.py").write_text("x = 1\ny = (\n")
    good_cache = cache.CACHE_DIR
    if fault == "notebook":
        (nbdir / "broken.ipynb").write_text('{"cells": [')
    if fault == "cache":
        (repo / "afile").write_text("")
        monkeypatch.setattr(cache, "CACHE_DIR", repo / "afile" / "executions")
    with pytest.raises((execute.ExecutionError, cache.NotebookSourceError), match=message):
        execute.ensure_executed(nb_dir=nbdir, jobs=1, log=lambda *a: None)
    (repo / "snippets" / "bad.py").write_text("x = 1\n")
    make_nb(nbdir / "broken.ipynb", ("code", "x = 1"))
    monkeypatch.setattr(cache, "CACHE_DIR", good_cache)
    assert execute.ensure_executed(nb_dir=nbdir, jobs=1, log=lambda *a: None)["broken"].status == "executed"


POST = """---
title: 演示
date: {date}
section: generative
tags: [生成模型]  # a tag of mkdocs.yml tags_allowed
notebook: demo
summary: 一个小帖子。
---
# 演示

值 {{{{nb:v:.2f}}}}。
"""


def _build(site: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NOTES_REQUIRE_CACHED", "PYTHONPATH")}
    env["NO_MKDOCS_2_WARNING"] = "1"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=site, env=env,
                          capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_page_faults_stop_a_real_build_and_the_next_build_is_clean(site_copy):  # noqa: F811
    """Through `mkdocs build` on a copy of the site with one small post: each fault fails the build
    naming page, line and cause, and leaves no site/ (not the old one either); then, faults removed
    and mkdocs-jupyter's cache file truncated, the build passes and says what it repaired."""
    site = site_copy
    (site / "snippets" / "runtime.py").write_text(FAKE_RUNTIME)  # the stamp without importing torch
    make_nb(site / "notebooks" / "demo.ipynb", ("code", "from snippets.report import publish\npublish(v=0.5)"))
    page, index = site / "docs" / "generative" / "demo.md", site / "docs" / "index.md"
    home = index.read_text(encoding="utf-8")
    faults = [  # (page text, home page text, what the build must say)
        (POST.format(date="2026-01-01 10:30:00"), home,
         r"docs/generative/demo.md: date '2026-01-01 10:30:00' is not a YYYY-MM-DD date \(no time of day\)"),
        (POST.format(date="2026-02-30"), home,
         r"docs/generative/demo.md: front matter is not valid YAML: day is out of range"),
        (POST.format(date="2026-01-01"), home + "\n数字 {{nb:v}}\n",
         rf"docs/index.md: line {home.count(chr(10)) + 2}: nb: references work only on a post"),
        (POST.format(date="2026-01-01") + "\n正文\n见 ![图](nb:curve) 内联\n", home,
         rf"docs/generative/demo.md: line {POST.count(chr(10)) + 3}: malformed nb: reference"),
    ]
    for text, home_text, message in faults:
        (site / "site").mkdir(exist_ok=True)
        (site / "site" / "index.html").write_text("an older build")
        page.write_text(text, encoding="utf-8")
        index.write_text(home_text, encoding="utf-8")
        rc, log = _build(site)
        assert rc != 0 and re.search(message, log), log[-3000:]
        assert "Traceback" not in log, log[-3000:]
        assert not (site / "site").exists(), f"a failed build left site/ ({message})"

    page.write_text(POST.format(date="2026-01-01"), encoding="utf-8")
    index.write_text(home, encoding="utf-8")
    jupyter_cache = site / ".cache" / "mkdocs-jupyter"
    jupyter_cache.mkdir(parents=True, exist_ok=True)
    (jupyter_cache / "truncated.json").write_text('{"content": "<div')  # a build killed while writing it
    rc, log = _build(site)
    assert rc == 0, log[-3000:]
    assert "truncated.json: unreadable mkdocs-jupyter cache entry" in log
    assert "值 0.50。" in (site / "site" / "generative" / "demo" / "index.html").read_text(encoding="utf-8")


def test_a_kernel_that_does_not_start_is_started_again_once(repo, monkeypatch, capsys):  # noqa: F811
    """A kernel can fail to bind a port that another kernel took meanwhile (ZMQError 'Address already
    in use', then "Kernel didn't respond"): no cell ran, so the run starts one fresh kernel; a second
    failure is reported, naming kernel start."""
    import nbformat

    from notesbuild import kernel

    real = kernel._execute
    failures = {"left": 1}

    def flaky(nb, timeout, env, folder, log, outcome):
        if failures["left"]:
            failures["left"] -= 1
            outcome["error"] = RuntimeError("Kernel didn't respond in 60 seconds")
            return
        real(nb, timeout, env, folder, log, outcome)

    monkeypatch.setattr(kernel, "_execute", flaky)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    out, _ = kernel.run_notebook(nb, repo / "notebooks" / "a.ipynb", 60, kernel.kernel_env("quick"))
    assert "42" in out.cells[0].outputs[0]["text"]
    assert "a.ipynb: the kernel did not start (RuntimeError: Kernel didn't respond" in capsys.readouterr().err

    failures["left"] = 2  # both attempts fail: the error says so
    with pytest.raises(kernel.ExecutionError, match=r"a.ipynb: execution failed during kernel start: RuntimeError"):
        kernel.run_notebook(nb, repo / "notebooks" / "a.ipynb", 60, kernel.kernel_env("quick"))
