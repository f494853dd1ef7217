"""A post's page: the notebook's figures and numbers, citations and references (notesbuild/bib.py),
the ✓ marks of its checked equations (notesbuild/checkmarks.py), the meta line, the notebook
buttons, and its reading path (先读 at the top, 接着读 at the end). Anything unknown fails the
build with the page, the line and the name."""

import html
import posixpath
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # mkdocs loads this file by path: import this checkout's notesbuild
    sys.path.insert(0, str(ROOT))

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402

from notesbuild import bib, checkmarks, equations, partials, posts  # noqa: E402
from notesbuild.state import STATE, Post, log, timed  # noqa: E402

FIGURE_RE = re.compile(r"^!\[(?P<caption>[^\n]*)\]\(nb:(?P<name>[\w-]+)\)[ \t]*$", re.M)
VALUE_RE = re.compile(r"\{\{nb:(?P<name>\w+)(?::(?P<spec>[^}]*))?\}\}")
STRAY_RE = re.compile(r"\]\(nb:|\{\{\s*nb\b")
MATH_OPEN_RE = re.compile(r'<(span|div) class="arithmatex">')


@timed
def on_page_markdown(markdown: str, page, config, files) -> str:
    src_uri = page.file.src_uri
    if src_uri.startswith("notebooks/"):
        return markdown
    post = STATE.posts.get(src_uri)
    where = f"docs/{src_uri}"
    first_line = checkmarks.first_line(page.file.content_string, markdown)
    if post is None:
        stray = STRAY_RE.search(markdown)
        if stray:
            raise PluginError(f"{where}: line {first_line + markdown[:stray.start()].count(chr(10))}: "
                              "nb: references work only on a post with a notebook (front matter `notebook:`)")
        return markdown
    cov = checkmarks.coverage(where, markdown, STATE.checks.get(post.notebook, []), page.meta.get("unchecked"),
                              post.notebook, first_line)
    STATE.coverage[src_uri] = cov
    log.info(cov.summary)
    markdown = _substitute(markdown, post, where)
    stray = STRAY_RE.search(markdown)
    if stray:
        line = first_line + markdown[: stray.start()].count("\n")  # substitutions keep the line count
        raise PluginError(f"{where}: line {line}: malformed nb: reference "
                          "(figures go on a line of their own as ![caption](nb:name); values as {{nb:name:.3f}})")
    markdown += _read_next(post)
    # [@key] citations, the 参考文献 list and the 引用本文 block (notesbuild/bib.py)
    return bib.finish_post(markdown, where, docs_dir=config.docs_dir, title=post.title, date=post.date,
                           slug=post.slug, permalink=page.canonical_url, author=config.site_author)


def _substitute(markdown: str, post: Post, where: str) -> str:
    """`![caption](nb:name)` becomes a <figure> with the notebook's image; `{{nb:name:.3f}}` its value."""
    produced = STATE.outputs[post.notebook]

    def figure(m: re.Match) -> str:
        name, caption = m["name"], m["caption"].strip()
        if name not in produced.figures:
            raise PluginError(f"{where}: figure 'nb:{name}' is not produced by notebooks/{post.notebook}.ipynb "
                              f"(it shows: {', '.join(sorted(produced.figures)) or 'no figures'})")
        if not caption:
            raise PluginError(f"{where}: figure 'nb:{name}' has no caption")
        rel = posixpath.relpath(produced.figures[name], posixpath.dirname(post.src_uri))
        alt = html.escape(caption.replace("$", ""), quote=True)
        # one line: inside markdown="span" a newline would become <br>
        return (f'<figure class="nb-figure" markdown="span">![{alt}]({rel}){{ loading=lazy }}'
                f'<figcaption>{caption}</figcaption></figure>')

    def value(m: re.Match) -> str:
        name, spec = m["name"], m["spec"] or ""
        if name not in produced.values:
            raise PluginError(f"{where}: value '{{{{nb:{name}}}}}' is not published by notebooks/{post.notebook}.ipynb "
                              f"(it publishes: {', '.join(sorted(produced.values)) or 'nothing'})")
        try:
            return format(produced.values[name], spec)
        except (ValueError, TypeError) as exc:
            raise PluginError(f"{where}: cannot format value '{name}' with '{spec}': {exc}") from None

    return VALUE_RE.sub(value, FIGURE_RE.sub(figure, markdown))


def _read_next(post: Post) -> str:
    """## 接着读: the posts that build on this one, else the next post of its section."""
    ordered = list(STATE.posts.values())
    nxt = posts.followers(post, ordered)
    if not nxt:
        i = ordered.index(post)
        nxt = [p for p in ordered[i + 1:i + 2] if p.section == post.section]
    if not nxt:
        return ""
    here = posixpath.dirname(post.src_uri)
    items = "\n".join(f"- [{p.title}]({posixpath.relpath(p.src_uri, here)})：{p.summary}" for p in nxt)
    return f"\n\n## 接着读 {{ #read-next }}\n\n{items}\n"


@timed
def on_page_content(html_text: str, page, config, files) -> str:
    post = STATE.posts.get(page.file.src_uri)
    if post is None:
        return html_text
    nb_url = get_relative_url(files.get_file_from_path(f"notebooks/{post.notebook}.ipynb").url, page.url)
    section_url = get_relative_url(f"{post.section}/", page.url)
    first = [(p.title, get_relative_url(files.get_file_from_path(p.src_uri).url, page.url))
             for p in (STATE.post_by_slug(s) for s in post.prerequisites)]
    top = partials.render(config, "post-meta", post=post, section=STATE.sections[post.section],
                          section_url=section_url, read_first=first,
                          actions=partials.notebook_actions(config, post.notebook, page.url, notebook_url=nb_url))
    cov = STATE.coverage[page.file.src_uri]
    # anchors and ¶ for labelled equations, each with its ✓ mark linking to the checks on the notebook page
    html_text = equations.add_permalinks(html_text, f"docs/{page.file.src_uri}",
                                         mark=lambda label: cov.mark(label, nb_url))
    # TeX source is a third of the text and nobody searches for it: keep math out of the search index,
    # which every reader's first visit downloads (Material skips elements marked data-search-exclude)
    html_text = MATH_OPEN_RE.sub(r'<\1 class="arithmatex" data-search-exclude>', html_text)
    end = html_text.find("</h1>")
    if end < 0:
        raise PluginError(f"docs/{page.file.src_uri}: the page has no H1 title")
    end += len("</h1>")
    return html_text[:end] + top + html_text[end:]
