"""The notebooks: executed (or taken from the cache) in on_files, added to the site as pages,
figures and downloads; their pages cleaned up and linked to their posts."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # mkdocs loads this file by path: import this checkout's notesbuild
    sys.path.insert(0, str(ROOT))

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.plugins import event_priority  # noqa: E402
from mkdocs.structure.files import File, Files  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402

from notesbuild import cache, checkmarks, execute, nbpage, outputs, partials  # noqa: E402
from notesbuild.state import STATE, Outputs, log, timed  # noqa: E402
from snippets.protocol import METADATA_KEY  # noqa: E402

SITE_NOTEBOOKS = ROOT / ".cache" / "site" / "notebooks"  # merged notebooks, as mkdocs-jupyter reads them


@timed
def on_config(config):
    _repair_jupyter_cache(Path(config.plugins["mkdocs-jupyter"].config["cache_dir"]))


def _repair_jupyter_cache(folder: Path) -> None:
    """mkdocs-jupyter writes its cache files non-atomically and reads them unguarded: a build killed
    mid-write leaves a truncated file that fails every later build with a bare JSONDecodeError.
    Move such a file aside (it is rebuilt) and say so."""
    folder = folder if folder.is_absolute() else Path.cwd() / folder
    for path in sorted(folder.glob("*.json")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            path.replace(path.with_suffix(".corrupt"))
            log.info(f"{path}: unreadable mkdocs-jupyter cache entry (a build killed while writing it?); "
                     f"moved aside to {path.with_suffix('.corrupt').name}, the notebook page is rendered again")


@event_priority(100)  # before mkdocs-jupyter wraps .ipynb files
@timed
def on_files(files: Files, config) -> Files:
    try:
        results = execute.ensure_executed()
    except (execute.ExecutionError, cache.NotebookSourceError, cache.SettingsError) as exc:
        raise PluginError(str(exc)) from None  # a named fault: its message says where; any other error keeps its traceback
    for slug, result in results.items():
        STATE.checks[slug] = checkmarks.annotate(result.notebook)  # anchors the page's ✓ marks link to
        _write_if_changed(SITE_NOTEBOOKS / f"{slug}.ipynb", cache.nbformat.writes(result.notebook).encode("utf-8"))
        # A File with a real src_dir (not File.generated): mkdocs-jupyter's wrapper needs abs_src_path.
        # Reached from its post and the notebooks index, not from the sidebar (mkdocs.yml not_in_nav).
        files.append(File(f"notebooks/{slug}.ipynb", str(SITE_NOTEBOOKS.parent), config.site_dir,
                          config.use_directory_urls))
        STATE.outputs[slug] = _collect_outputs(slug, result.notebook, files, config)
        # what readers download (and Colab opens from the notebooks branch): the standalone form
        files.append(File.generated(config, f"downloads/{slug}.ipynb",
                                    content=cache.nbformat.writes(result.download).encode("utf-8")))
        STATE.stamps[slug] = result.download.metadata.get(METADATA_KEY, {}).get("stamp", {})
    return files


def _write_if_changed(path: Path, data: bytes) -> None:
    """Write only on change, so `mkdocs serve` sees no spurious edits."""
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _collect_outputs(slug: str, nb, files: Files, config) -> Outputs:
    """The notebook's named figures become site files; its published values are kept for the page."""
    produced = outputs.read(slug, nb)
    out = Outputs(values=produced.values)
    for name, fig in produced.figures.items():
        uri = f"figures/{slug}/{name}.{fig.ext}"
        files.append(File.generated(config, uri, content=fig.content))
        out.figures[name] = uri
        if fig.thumbnail:
            out.thumbnails[name] = fig.thumbnail
    return out


@timed
def on_page_markdown(markdown: str, page, config, files) -> str:
    if not page.file.src_uri.startswith("notebooks/") or page.file.src_uri == "notebooks/index.md":
        return markdown
    post = STATE.post_of_notebook(Path(page.file.src_uri).stem)
    page.title = f"{post.title.split('：')[0] if post else Path(page.file.src_uri).stem} · Notebook"
    # Search finds the posts; indexing every notebook's code and outputs would make the index
    # every reader downloads grow several-fold (Material honours `search: exclude`).
    page.meta.setdefault("search", {})["exclude"] = True
    return markdown


@timed
def on_page_content(html_text: str, page, config, files) -> str:
    src_uri = page.file.src_uri
    if not src_uri.endswith(".ipynb"):
        return html_text
    html_text = nbpage.strip_cdn_scripts(html_text)
    html_text = nbpage.extract_css(html_text, page.url, STATE.notebook_css, STATE.notebook_classes)
    html_text = nbpage.fix_heading_anchors(html_text, page.toc, src_uri)
    slug = Path(src_uri).stem
    post = STATE.post_of_notebook(slug)
    if post is None:
        return html_text
    post_url = get_relative_url(files.get_file_from_path(post.src_uri).url, page.url)
    bar = partials.render(config, "notebook-bar", post=post, post_url=post_url, stamp=STATE.stamps.get(slug) or {},
                          actions=partials.notebook_actions(config, slug, page.url))
    return bar + html_text


@timed
def on_post_build(config):
    nbpage.write_pruned_css(Path(config.site_dir), STATE.notebook_css, STATE.notebook_classes)
