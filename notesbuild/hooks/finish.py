"""The end of a build: every page's math typeset to SVG (notesbuild/typeset.py: no MathJax runs in
the reader's browser) and the hooks' time printed; a failed build leaves no site behind."""

import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # mkdocs loads this file by path: import this checkout's notesbuild
    sys.path.insert(0, str(ROOT))

from mkdocs.plugins import event_priority  # noqa: E402

from notesbuild import typeset  # noqa: E402
from notesbuild.state import STATE, log  # noqa: E402


@event_priority(-100)  # after every other on_post_build: they may still write pages
def on_post_build(config):
    start = time.perf_counter()
    typeset.typeset_site(config.site_dir, log=log.info)
    print(f"notesbuild time: {STATE.seconds + time.perf_counter() - start:.2f} s (hooks, notebook execution included)")


def on_build_error(error, **kwargs):
    """A failed build leaves no site behind that could be deployed by mistake: remove what it wrote
    (mkdocs writes pages into site_dir as it goes, and a strict build aborts only at the end)."""
    site = STATE.site_dir
    if site is None or not site.is_dir():
        return
    site = site.resolve()
    if site in (ROOT, Path.home(), Path(site.anchor)) or site in ROOT.parents or (site / "mkdocs.yml").exists():
        log.error(f"build failed; {site} is not removed: it does not look like a build output folder")
        return
    shutil.rmtree(site, ignore_errors=True)
    log.error(f"build failed ({type(error).__name__}); removed {site} so that no half-built site is deployed")
