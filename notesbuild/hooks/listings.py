"""Pages that list the posts, generated from the front matter and the executed notebooks:
the home page's section cards and latest posts, one page per section (`/generative/`, …) in
reading order, the notebooks index, and the Atom feed (notesbuild/feed.py). A card's picture is
a thumbnail of a figure of the post's own notebook (snippets/viz.py `show`), as WebP."""

import io
import sys
from pathlib import Path
from urllib.parse import urljoin

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # mkdocs loads this file by path: import this checkout's notesbuild
    sys.path.insert(0, str(ROOT))

from mkdocs.exceptions import PluginError  # noqa: E402
from mkdocs.structure.files import File, Files  # noqa: E402
from mkdocs.utils import get_relative_url  # noqa: E402

from notesbuild import feed, partials  # noqa: E402
from notesbuild.state import STATE, Post, timed  # noqa: E402

NOTEBOOKS_INDEX = "notebooks/index.md"
LATEST = 6  # posts in the home page's 最新文章
CARD_WIDTH = 280  # pixels of a card's picture (a card is 13–20 rem wide; object-fit: contain)


@timed
def on_files(files: Files, config) -> Files:
    for post in STATE.posts.values():
        image = thumbnail(post)
        if image:
            files.append(File.generated(config, f"thumbs/{post.slug}.webp", content=image))
    for folder in {p.section for p in STATE.posts.values()}:
        files.append(File.generated(config, f"{folder}/index.md", content=f"# {STATE.sections[folder]}\n"))
    if STATE.posts:
        files.append(File.generated(config, NOTEBOOKS_INDEX, content="# Notebooks\n"))
    files.append(File.generated(config, feed.PATH, content=_feed(files, config)))
    return files


def thumbnail(post: Post) -> bytes | None:
    """The card picture: the figure the notebook tagged (show(..., thumbnail=True)), else its first."""
    thumbs = STATE.outputs[post.notebook].thumbnails
    if not thumbs:
        return None
    names = list(thumbs)
    tagged = names[1:]  # viz.show gives the first figure a thumbnail, and any tagged one
    if len(tagged) > 1:
        raise PluginError(f"notebooks/{post.notebook}.ipynb: figures {', '.join(tagged)} are all shown with "
                          "thumbnail=True; tag one")
    from PIL import Image  # Pillow comes with matplotlib

    image = Image.open(io.BytesIO(thumbs[(tagged or names)[0]])).convert("RGB")
    if image.width > CARD_WIDTH:
        image = image.resize((CARD_WIDTH, round(image.height * CARD_WIDTH / image.width)), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, "webp", quality=55, method=6)  # ~3.5 KB: 41 cards stay inside the home page's budget
    return out.getvalue()


def _feed(files: Files, config) -> bytes:
    """The Atom feed of the posts, with absolute links from site_url."""
    if not config.site_url:
        raise PluginError("mkdocs.yml: site_url is needed for the absolute links of the feed (feed.xml)")
    entries = [feed.Entry(title=p.title, url=urljoin(config.site_url, files.get_file_from_path(p.src_uri).url),
                          published=p.date, summary=p.summary, updated=p.updated, categories=list(p.tags))
               for p in STATE.posts.values()]
    return feed.atom(entries, site_url=config.site_url, title=config.site_name, author=config.site_author or "",
                     subtitle=config.site_description or "", lang=config.theme.get("language") or "zh")


@timed
def on_page_markdown(markdown: str, page, config, files) -> str:
    src_uri = page.file.src_uri
    if src_uri == "index.md":
        return _home(markdown, page, config, files)
    folder = src_uri.removesuffix("/index.md")
    if src_uri.endswith("/index.md") and folder in STATE.sections:
        page.meta.setdefault("hide", ["toc"])
        inside = [p for p in STATE.posts.values() if p.section == folder]
        intro = f"本栏目 {len(inside)} 篇，按阅读顺序排列：一篇文章排在它“先读”的文章之后。\n\n"
        return markdown + "\n" + intro + _cards(inside, page, config, files)
    if src_uri == NOTEBOOKS_INDEX:
        page.meta["search"] = {"exclude": True}
        return markdown + "\n" + _notebooks_table(page, config, files)
    return markdown


def _link(post_or_uri, page, files) -> str:
    uri = post_or_uri.src_uri if isinstance(post_or_uri, Post) else post_or_uri
    return get_relative_url(files.get_file_from_path(uri).url, page.url)


def _cards(posts: list, page, config, files) -> str:
    cards = [dict(post=p, url=_link(p, page, files),
                  image=get_relative_url(f"thumbs/{p.slug}.webp", page.url) if files.get_file_from_path(
                      f"thumbs/{p.slug}.webp") else None) for p in posts]
    return partials.render(config, "cards", cards=cards)


def _home(markdown: str, page, config, files) -> str:
    if "<!-- sections -->" not in markdown or "<!-- latest-posts -->" not in markdown:
        raise PluginError("docs/index.md: the home page needs the markers <!-- sections --> and <!-- latest-posts -->")
    blocks = []
    for folder, title in STATE.sections.items():
        inside = [p for p in STATE.posts.values() if p.section == folder]
        if inside:
            blocks.append(f'## [{title}]({folder}/index.md) {{ #{folder} }}\n\n{_cards(inside, page, config, files)}')
    latest = sorted(STATE.posts.values(), key=lambda p: (p.date, p.title), reverse=True)[:LATEST]
    items = "\n".join(f"- <small>{p.date:%Y-%m-%d}</small> [{p.title}]({p.src_uri})" for p in latest)
    return (markdown.replace("<!-- sections -->", "\n\n".join(blocks) or "_还没有文章。_")
            .replace("<!-- latest-posts -->", items or "_还没有文章。_"))


def _notebooks_table(page, config, files) -> str:
    rows = [dict(post=p, post_url=_link(p, page, files), stamp=STATE.stamps.get(p.notebook) or {},
                 notebook_url=_link(f"notebooks/{p.notebook}.ipynb", page, files),
                 download=get_relative_url(f"downloads/{p.notebook}.ipynb", page.url)) for p in STATE.posts.values()]
    return partials.render(config, "notebooks-table", rows=rows)
