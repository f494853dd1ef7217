"""MkDocs hooks: from executed notebooks to pages.

- on_config: read every post's front matter and check it (title, date, section, tags,
  notebook, summary); an error names the file and the field.
- on_files: execute what the cache lacks (notesbuild.execute), then add to the site
  the executed notebooks (rendered by mkdocs-jupyter), every figure they name
  (`show(fig, "name")`).
- on_page_markdown: a post's `![caption](nb:name)` becomes a <figure> with the image
  from its notebook, `{{nb:value:.3f}}` the number the notebook published; anything
  unknown fails the build with the page and the name. The home page gets its list
  of latest posts. Then `[@key]` citations, the 参考文献 list and the 引用本文 block
  (notesbuild/bib.py); labelled equations get anchors in on_page_content (equations.py).
- on_page_content: the meta line (date, last update from git, section, link to the
  notebook page) under a post's title; on notebook pages, nbconvert's CDN MathJax is
  dropped and Chinese headings get the same anchors as the table of contents.
- on_post_build typesets the math of every page to SVG (notesbuild/typeset.py): no MathJax
  runs in the reader's browser.
- on_files also adds the Atom feed of the posts, `feed.xml` (notesbuild/feed.py); the
  last-update dates come from one `git log` for all posts (notesbuild/gitdates.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import json
import logging
import posixpath
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import get_relative_url
from mkdocs.utils.meta import YAML_RE, SafeLoader, yaml

ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] != str(ROOT):  # mkdocs loads this file by path: import this checkout's notesbuild
    sys.path.insert(0, str(ROOT))

from notesbuild import bib, cache, checkmarks, cssprune, equations, execute, feed, gitdates, outputs, typeset  # noqa: E402

REQUIRED = ("title", "date", "section", "tags", "notebook", "summary")
PROTECTED_BRANCHES = ("main", "master", "gh-pages")  # never the branch that receives the notebooks
SITE_NOTEBOOKS = ROOT / ".cache" / "site" / "notebooks"  # merged notebooks, as mkdocs-jupyter reads them

FIGURE_RE = re.compile(r"^!\[(?P<caption>[^\n]*)\]\(nb:(?P<name>[\w-]+)\)[ \t]*$", re.M)
VALUE_RE = re.compile(r"\{\{nb:(?P<name>\w+)(?::(?P<spec>[^}]*))?\}\}")
STRAY_RE = re.compile(r"\]\(nb:|\{\{\s*nb\b")


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


@dataclass
class Outputs:
    figures: dict = field(default_factory=dict)  # name -> site path
    values: dict = field(default_factory=dict)   # name -> number or string


_posts: dict[str, Post] = {}        # src_uri -> Post
_seconds = [0.0]                    # time spent in these hooks (printed at the end; make bench reads it)


def _timed(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _seconds[0] += time.perf_counter() - start
    return wrapper

_outputs: dict[str, Outputs] = {}   # notebook slug -> what it produced
_stamps: dict[str, dict] = {}       # notebook slug -> reproducibility stamp of its execution
_colab: dict[str, str] = {}         # "repo", "branch": where the published notebooks live
_site_dir: list = [None]            # where this build writes (removed if the build fails)
_checks: dict[str, list] = {}       # notebook slug -> its checks that name equations (checkmarks.Check)
_coverage: dict[str, checkmarks.Coverage] = {}  # post src_uri -> what backs each labelled equation
log = logging.getLogger("mkdocs.plugins.notesbuild")


# ---------------------------------------------------------------- configuration

@_timed
def on_config(config):
    _seconds[0] = 0.0
    _posts.clear()
    _notebook_css.clear()
    _notebook_classes.clear()
    sections = config.extra.get("sections") or {}
    repo, branch = config.get("repo_name") or "", config.extra.get("notebooks_branch") or ""
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo) or not branch:
        raise PluginError("mkdocs.yml: repo_name must be 'owner/name' and extra.notebooks_branch set "
                          f"(the Colab links need both; got repo_name={repo!r}, notebooks_branch={branch!r})")
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)*", branch) or branch in PROTECTED_BRANCHES:
        raise PluginError(f"mkdocs.yml: extra.notebooks_branch {branch!r} must be a branch of its own for the "
                          f"executed notebooks (publish.yml replaces its files), not one of {', '.join(PROTECTED_BRANCHES)}")
    _colab.update(repo=repo, branch=branch)
    _repair_jupyter_cache(Path(config.plugins["mkdocs-jupyter"].config["cache_dir"]))
    _site_dir[0] = Path(config.site_dir)
    docs = Path(config.docs_dir)
    for path in sorted(docs.glob("*/*.md")):
        section = path.parent.name
        if section not in sections:
            continue
        src_uri = path.relative_to(docs).as_posix()
        _posts[src_uri] = _read_post(src_uri, path, section, sections)
    _add_git_dates(docs.relative_to(ROOT).as_posix() if docs.is_relative_to(ROOT) else None)
    if config.nav:
        raise PluginError("mkdocs.yml: leave out `nav`: the navigation is generated from the posts' front matter "
                          "(notesbuild/hooks.py, navigation())")
    config.nav = navigation(_posts.values(), sections)
    return config


def navigation(posts, sections: dict) -> list:
    """The site's navigation: the home page, each section's posts in reading order (date, then
    title), the tags page, then every post's notebook page in the same order."""
    ordered = sorted(posts, key=lambda p: (list(sections).index(p.section), p.date, p.title))
    nav: list = [{"首页": "index.md"}]
    for folder, title in sections.items():
        inside = [p.src_uri for p in ordered if p.section == folder]
        if inside:
            nav.append({title: inside})
    nav.append({"标签": "tags.md"})
    if ordered:
        nav.append({"Notebooks": [f"notebooks/{p.notebook}.ipynb" for p in ordered]})
    return nav


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


def _add_git_dates(docs_rel: str | None) -> None:
    """Each post's last change: the last commit to its page or its notebook, when that came on a
    later day than the commit that added them (adding a post is no update). One git call for all.

    Without git history (a shallow or history-less clone, see notesbuild/gitdates.py), or for
    files not committed yet, `updated` stays None and the post shows its front-matter date only.
    """
    if docs_rel is None:
        return
    paths = {uri: (f"{docs_rel}/{uri}", f"notebooks/{p.notebook}.ipynb") for uri, p in _posts.items()}
    dates = gitdates.commit_dates(path for pair in paths.values() for path in pair) or {}
    for uri, pair in paths.items():
        known = [dates[path] for path in pair if path in dates]
        if not known:
            continue
        added, changed = min(d.added for d in known), max(d.changed for d in known)
        _posts[uri].updated = changed if changed.date() > added.date() else None


def _front_matter(where: str, text: str) -> dict:
    """A page's YAML front matter; mkdocs' own reader drops a YAML error silently (the page then
    seems to have no front matter at all), so read it here and say what is wrong, where."""
    m = YAML_RE.match(text)
    if not m:
        raise PluginError(f"{where}: no front matter (a post starts with a --- block: {', '.join(REQUIRED)})")
    try:
        meta = yaml.load(m.group(1), SafeLoader)
    except (yaml.YAMLError, ValueError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f": line {mark.line + 2}" if mark else ""  # +2: the opening --- and 1-based lines
        raise PluginError(f"{where}{line}: front matter is not valid YAML: {exc}".replace("\n", " ")) from None
    if not isinstance(meta, dict):
        raise PluginError(f"{where}: front matter must be a mapping of fields, got {type(meta).__name__}")
    return meta


def _read_post(src_uri: str, path: Path, folder: str, sections: dict) -> Post:
    meta = _front_matter(f"docs/{src_uri}", path.read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED if not meta.get(k)]
    if missing:
        raise PluginError(f"docs/{src_uri}: front matter lacks {', '.join(missing)} (needs {', '.join(REQUIRED)})")
    if meta["section"] != folder:
        raise PluginError(f"docs/{src_uri}: front matter section '{meta['section']}' but the page is in docs/{folder}/")
    if not isinstance(meta["date"], dt.date) or isinstance(meta["date"], dt.datetime):
        raise PluginError(f"docs/{src_uri}: date '{meta['date']}' is not a YYYY-MM-DD date (no time of day)")
    if not isinstance(meta["tags"], list):
        raise PluginError(f"docs/{src_uri}: tags must be a list, e.g. [扩散模型, 生成模型]")
    if not (execute.NOTEBOOKS / f"{meta['notebook']}.ipynb").is_file():
        raise PluginError(f"docs/{src_uri}: notebook '{meta['notebook']}' has no notebooks/{meta['notebook']}.ipynb")
    return Post(src_uri, str(meta["title"]), meta["date"], folder, meta["tags"], str(meta["notebook"]),
                str(meta["summary"]))


# ---------------------------------------------------------------- files

@event_priority(100)  # before mkdocs-jupyter wraps .ipynb files
@_timed
def on_files(files: Files, config) -> Files:
    try:
        results = execute.ensure_executed()
    except (execute.ExecutionError, cache.NotebookSourceError, ValueError) as exc:
        raise PluginError(str(exc)) from None

    _outputs.clear()
    for slug, result in results.items():
        nb_path = SITE_NOTEBOOKS / f"{slug}.ipynb"
        _checks[slug] = checkmarks.annotate(result.notebook)  # anchors the page's ✓ marks link to
        _write_if_changed(nb_path, cache.nbformat.writes(result.notebook).encode("utf-8"))
        # A File with a real src_dir (not File.generated): mkdocs-jupyter's wrapper needs abs_src_path.
        files.append(File(f"notebooks/{slug}.ipynb", str(SITE_NOTEBOOKS.parent), config.site_dir,
                          config.use_directory_urls))
        _outputs[slug] = _collect_outputs(slug, result.notebook, files, config)
        # what readers download (and Colab opens from the notebooks branch): the standalone form
        files.append(File.generated(config, f"downloads/{slug}.ipynb",
                                    content=cache.nbformat.writes(result.download).encode("utf-8")))
        _stamps[slug] = result.download.metadata.get("mlnotes", {}).get("stamp", {})

    files.append(File.generated(config, feed.PATH, content=_feed(files, config)))
    return files


def _feed(files: Files, config) -> bytes:
    """The Atom feed of the posts, with absolute links from site_url."""
    if not config.site_url:
        raise PluginError("mkdocs.yml: site_url is needed for the absolute links of the feed (feed.xml)")
    entries = [feed.Entry(title=p.title, url=urljoin(config.site_url, files.get_file_from_path(p.src_uri).url),
                          published=p.date, summary=p.summary, updated=p.updated, categories=list(p.tags))
               for p in _posts.values()]
    return feed.atom(entries, site_url=config.site_url, title=config.site_name, author=config.site_author or "",
                     subtitle=config.site_description or "", lang=config.theme.get("language") or "zh")


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
    return out


# ---------------------------------------------------------------- pages

@_timed
def on_page_markdown(markdown: str, page, config, files) -> str:
    src_uri = page.file.src_uri
    if src_uri.startswith("notebooks/"):
        slug = Path(src_uri).stem
        post = next((p for p in _posts.values() if p.notebook == slug), None)
        page.title = f"{post.title.split('：')[0] if post else slug} · Notebook"
        # Search finds the posts; indexing every notebook's code and outputs would make the index
        # every reader downloads grow several-fold (Material honours `search: exclude`).
        page.meta.setdefault("search", {})["exclude"] = True
        return markdown
    post = _posts.get(src_uri)
    where = f"docs/{src_uri}"
    first_line = checkmarks.first_line(page.file.content_string, markdown)
    if post is None:
        stray = STRAY_RE.search(markdown)
        if stray:
            raise PluginError(f"{where}: line {first_line + markdown[:stray.start()].count(chr(10))}: "
                              "nb: references work only on a post with a notebook (front matter `notebook:`)")
        return markdown.replace("<!-- latest-posts -->", _latest_posts_markdown()) if src_uri == "index.md" else markdown
    outputs = _outputs[post.notebook]

    def figure(m: re.Match) -> str:
        name, caption = m["name"], m["caption"].strip()
        if name not in outputs.figures:
            raise PluginError(f"{where}: figure 'nb:{name}' is not produced by notebooks/{post.notebook}.ipynb "
                              f"(it shows: {', '.join(sorted(outputs.figures)) or 'no figures'})")
        if not caption:
            raise PluginError(f"{where}: figure 'nb:{name}' has no caption")
        rel = posixpath.relpath(outputs.figures[name], posixpath.dirname(src_uri))
        alt = html.escape(caption.replace("$", ""), quote=True)
        # one line: inside markdown="span" a newline would become <br>
        return (f'<figure class="nb-figure" markdown="span">![{alt}]({rel}){{ loading=lazy }}'
                f'<figcaption>{caption}</figcaption></figure>')

    def value(m: re.Match) -> str:
        name, spec = m["name"], m["spec"] or ""
        if name not in outputs.values:
            raise PluginError(f"{where}: value '{{{{nb:{name}}}}}' is not published by notebooks/{post.notebook}.ipynb "
                              f"(it publishes: {', '.join(sorted(outputs.values)) or 'nothing'})")
        try:
            return format(outputs.values[name], spec)
        except (ValueError, TypeError) as exc:
            raise PluginError(f"{where}: cannot format value '{name}' with '{spec}': {exc}") from None

    cov = checkmarks.coverage(where, markdown, _checks.get(post.notebook, []), page.meta.get("unchecked"),
                              post.notebook, first_line)
    _coverage[src_uri] = cov
    log.info(cov.summary)
    markdown = VALUE_RE.sub(value, FIGURE_RE.sub(figure, markdown))
    stray = STRAY_RE.search(markdown)
    if stray:
        line = first_line + markdown[: stray.start()].count("\n")  # substitutions keep the line count
        raise PluginError(f"{where}: line {line}: malformed nb: reference "
                          "(figures go on a line of their own as ![caption](nb:name); values as {{nb:name:.3f}})")
    # [@key] citations, the 参考文献 list and the 引用本文 block (notesbuild/bib.py)
    return bib.finish_post(markdown, where, docs_dir=config.docs_dir, title=post.title, date=post.date,
                           slug=Path(src_uri).stem, permalink=page.canonical_url, author=config.site_author)


def _latest_posts_markdown(limit: int = 20) -> str:
    posts = sorted(_posts.values(), key=lambda p: (p.date, p.title), reverse=True)[:limit]
    if not posts:
        return "_还没有文章。_"
    lines = []
    for p in posts:
        lines.append(f"- **[{p.title}]({p.src_uri})** <small>{p.date:%Y-%m-%d}</small>  \n  {p.summary}")
    return "\n".join(lines)


@_timed
def on_page_content(html_text: str, page, config, files) -> str:
    src_uri = page.file.src_uri
    if src_uri.startswith("notebooks/"):
        return _notebook_page(html_text, page, files)
    post = _posts.get(src_uri)
    if post is None:
        return html_text
    nb_file = files.get_file_from_path(f"notebooks/{post.notebook}.ipynb")
    nb_url = get_relative_url(nb_file.url, page.url)
    section = config.extra["sections"][post.section]
    bar = (f'<p class="post-meta"><span>{post.date:%Y-%m-%d}</span>{_updated_html(post)}'
           f' · <span>{html.escape(section)}</span></p>'
           f'<p class="post-actions"><a class="md-button md-button--small" href="{nb_url}">查看 Notebook（代码与输出）</a>'
           f'{_take_away_html(post.notebook, page.url)}</p>')
    cov = _coverage[src_uri]
    # anchors and ¶ for labelled equations, each with its ✓ mark linking to the checks on the notebook page
    html_text = equations.add_permalinks(html_text, f"docs/{src_uri}", mark=lambda label: cov.mark(label, nb_url))
    return _after_h1(html_text, bar, src_uri)


def _take_away_html(slug: str, page_url: str) -> str:
    """The download and Colab buttons of one notebook."""
    download = get_relative_url(f"downloads/{slug}.ipynb", page_url)
    colab = f"https://colab.research.google.com/github/{_colab['repo']}/blob/{_colab['branch']}/{slug}.ipynb"
    return (f' <a class="md-button md-button--small" href="{download}" download="{slug}.ipynb">下载 Notebook</a>'
            f' <a class="md-button md-button--small" href="{colab}" target="_blank" rel="noopener">在 Colab 中打开</a>')


def _stamp_html(slug: str) -> str:
    """One line saying where, when and how the notebook's outputs were produced."""
    s = _stamps.get(slug) or {}
    if not s:
        return ""
    when = s.get("executed_at", "?").replace("T", " ").replace("+00:00", " UTC")
    parts = [f"提交 <code>{html.escape(str(s.get('commit', '?')))}</code>", html.escape(when),
             f"profile <code>{html.escape(str(s.get('profile', '?')))}</code>", html.escape(str(s.get("device", "?"))),
             f"torch {html.escape(str(s.get('torch', '?')))}", f"numpy {html.escape(str(s.get('numpy', '?')))}",
             f"seed {html.escape(str(s.get('seed', '?')))}", f"用时 {float(s.get('seconds', 0)):.1f} s"]
    return f'<p class="nb-stamp">运行记录：{" · ".join(parts)}</p>'


def _updated_html(post: Post) -> str:
    """"· 更新于 <date>" when git dates a change after the front-matter date, else nothing."""
    if post.updated is None or post.updated.date() <= post.date:
        return ""
    return (f' · <span class="post-updated">更新于 <time datetime="{post.updated.isoformat()}">'
            f'{post.updated:%Y-%m-%d}</time></span>')


def _after_h1(html_text: str, snippet: str, where: str) -> str:
    end = html_text.find("</h1>")
    if end < 0:
        raise PluginError(f"{where}: the page has no H1 title")
    end += len("</h1>")
    return html_text[:end] + snippet + html_text[end:]


# ---------------------------------------------------------------- notebook pages

_NBCONVERT_MATHJAX = re.compile(r"<script[^>]*mathjax[^>]*>\s*</script>|<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->",
                                re.I | re.S)
_HEADING = re.compile(r'<h([1-6])(?P<attrs>[^>]*)>(?P<body>.*?)</h\1>', re.S)


_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
_notebook_css: dict[str, str] = {}  # site path -> content, written in on_post_build
_notebook_classes: set[str] = set()  # every class on the notebook pages: what the stylesheet must keep
_PRUNED = "to-prune-"  # placeholder in a stylesheet's name until it is pruned and named by its content


# nbconvert's template loads mermaid from a CDN whenever a page holds a diagram: the site makes no
# third-party requests (and our notebooks draw no mermaid diagrams)
_NBCONVERT_MERMAID = re.compile(r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>', re.S)


def _notebook_page(html_text: str, page, files) -> str:
    html_text = _NBCONVERT_MERMAID.sub("", _NBCONVERT_MATHJAX.sub("", html_text))
    # mkdocs-jupyter inlines ~570 KB of JupyterLab CSS into every notebook page: serve it once, as a
    # stylesheet named by its hash that all notebook pages share (and browsers cache).
    # It is pruned to the rules that can match a notebook page (notesbuild/cssprune.py) once every
    # notebook page is known, in on_post_build, which then names the file by the pruned content.
    css = "\n".join(_STYLE.findall(html_text))
    if css:
        path = f"assets/stylesheets/jupyter.{_PRUNED}{hashlib.sha256(css.encode()).hexdigest()[:10]}.css"
        _notebook_css[path] = css
        link = f'<link rel="stylesheet" href="{get_relative_url(path, page.url)}">'
        html_text = link + _STYLE.sub("", html_text)
        _notebook_classes.update(cssprune.classes_in(html_text))
    # mkdocs-jupyter leaves Chinese headings with id="" while its TOC uses "_1", "_2" (issue #141):
    # give both the same readable, unique anchors.
    from pymdownx.slugs import slugify
    slug_fn = slugify(case="lower")
    links = _flatten(page.toc)
    headings = list(_HEADING.finditer(html_text))
    if len(headings) != len(links):
        raise PluginError(f"{page.file.src_uri}: {len(headings)} headings but {len(links)} TOC entries")
    used: set[str] = set()
    pieces, last = [], 0
    for m, link in zip(headings, links, strict=True):
        text = re.sub(r"<[^>]+>", "", m["body"]).replace("¶", "").strip()
        anchor = slug_fn(html.unescape(text), "-") or "section"
        base, n = anchor, 1
        while anchor in used:
            anchor, n = f"{base}_{n}", n + 1
        used.add(anchor)
        attrs = re.sub(r'\s*id="[^"]*"', "", m["attrs"])
        body = re.sub(r'href="#[^"]*"', f'href="#{anchor}"', m["body"])
        pieces += [html_text[last:m.start()], f'<h{m.group(1)}{attrs} id="{anchor}">{body}</h{m.group(1)}>']
        last = m.end()
        link.id = anchor
    pieces.append(html_text[last:])
    html_text = "".join(pieces)
    slug = Path(page.file.src_uri).stem
    post = next((p for p in _posts.values() if p.notebook == slug), None)
    if post is None:
        return html_text
    post_url = get_relative_url(files.get_file_from_path(post.src_uri).url, page.url)
    bar = (f'<p class="post-meta">本页是文章 <a href="{post_url}">{html.escape(post.title)}</a> 的 notebook，'
           f'执行于构建时；页面上的图和数字都来自这里的输出。</p>'
           f'<p class="post-actions">{_take_away_html(slug, page.url).strip()}</p>{_stamp_html(slug)}')
    return bar + html_text


def _flatten(toc) -> list[AnchorLink]:
    out = []
    for link in toc:
        out.append(link)
        out += _flatten(link.children)
    return out




def on_post_build(config):
    start = time.perf_counter()
    site = Path(config.site_dir)
    names = {}
    for path, css in _notebook_css.items():
        pruned = cssprune.prune(css, _notebook_classes)
        final = path.replace(path.rsplit("/", 1)[1],
                             f"jupyter.{hashlib.sha256(pruned.encode()).hexdigest()[:10]}.css")
        names[path.rsplit("/", 1)[1]] = final.rsplit("/", 1)[1]
        (site / final).parent.mkdir(parents=True, exist_ok=True)
        (site / final).write_text(pruned, encoding="utf-8")
    for page in (site / "notebooks").rglob("index.html") if names else []:
        text = page.read_text(encoding="utf-8")
        renamed = text
        for old, new in names.items():
            renamed = renamed.replace(old, new)
        if renamed != text:
            page.write_text(renamed, encoding="utf-8")
    typeset.typeset_site(config.site_dir, log=log.info)  # math to SVG in every page (notesbuild/typeset.py)
    print(f"notesbuild time: {_seconds[0] + time.perf_counter() - start:.2f} s (hooks, notebook execution included)")


def on_build_error(error, **kwargs):
    """A failed build leaves no site behind that could be deployed by mistake: remove what it wrote
    (mkdocs writes pages into site_dir as it goes, and a strict build aborts only at the end)."""
    site = _site_dir[0]
    if site is None or not site.is_dir():
        return
    site = site.resolve()
    if site in (ROOT, Path.home(), Path(site.anchor)) or site in ROOT.parents or (site / "mkdocs.yml").exists():
        log.error(f"build failed; {site} is not removed: it does not look like a build output folder")
        return
    shutil.rmtree(site, ignore_errors=True)
    log.error(f"build failed ({type(error).__name__}); removed {site} so that no half-built site is deployed")

