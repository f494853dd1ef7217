"""Page processing: figures and numbers come from the notebook, or the build stops."""

import datetime as dt
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from notesbuild import posts
from notesbuild.hooks import finish, notebooks, pages
from notesbuild.hooks import posts as posts_hook
from notesbuild.state import ROOT, STATE, Outputs, Post


@pytest.fixture
def post(monkeypatch):
    monkeypatch.setattr(STATE, "posts", {"generative/demo.md": Post(
        "generative/demo.md", "演示：标题", dt.date(2026, 1, 1), "generative", ["t"], "demo", "摘要")})
    monkeypatch.setattr(STATE, "outputs", {"demo": Outputs(
        figures={"curve": "figures/demo/curve.svg"}, values={"sw": 0.123456, "steps": 50})})
    return SimpleNamespace(file=SimpleNamespace(src_uri="generative/demo.md", content_string=""), meta={},
                           canonical_url="https://example.org/notes/generative/demo/")


# what on_page_markdown reads from mkdocs.yml: the real bibliography, the 引用本文 author
CONFIG = SimpleNamespace(docs_dir=str(ROOT / "docs"), site_author="机器学习数学笔记")


def render(page, text):
    page.file.content_string = "---\ntitle: 演示\n---\n" + text
    return pages.on_page_markdown(text, page, CONFIG, None)


def test_figure_and_values_are_substituted(post):
    out = render(post, "步数 {{nb:steps}}，距离 {{nb:sw:.3f}}。\n\n![曲线 $\\bar\\alpha_t$](nb:curve)\n")
    assert "步数 50，距离 0.123。" in out
    assert "](../figures/demo/curve.svg)" in out
    assert "<figcaption>曲线 $\\bar\\alpha_t$</figcaption>" in out


def test_post_gets_citations_references_and_cite_this(post):
    out = render(post, "DDPM [@ho2020ddpm]。\n")
    assert '<a class="citation" href="#ref-ho2020ddpm"' in out
    assert out.index("## 参考文献") < out.index("## 引用本文") and "@online{mlnotes-demo," in out
    assert "url    = {https://example.org/notes/generative/demo/}," in out


def test_unknown_citation_names_page_and_key(post):
    with pytest.raises(PluginError, match=r"docs/generative/demo.md: unknown citation key 'nope2020'"):
        render(post, "见 [@nope2020]。\n")


def test_unknown_figure_names_page_and_figure(post):
    with pytest.raises(PluginError, match=r"docs/generative/demo.md: figure 'nb:nope'.*it shows: curve"):
        render(post, "![图](nb:nope)\n")


def test_unknown_value_names_page_and_value(post):
    with pytest.raises(PluginError, match=r"docs/generative/demo.md: value '\{\{nb:nope\}\}'.*publishes: steps, sw"):
        render(post, "x = {{nb:nope:.2f}}")


def test_figure_without_caption_fails(post):
    with pytest.raises(PluginError, match="no caption"):
        render(post, "![](nb:curve)\n")


def test_malformed_reference_is_not_left_in_the_page(post):
    # the line of the page file: render() puts 3 lines of front matter above the text
    with pytest.raises(PluginError, match=r"docs/generative/demo.md: line 5: malformed nb: reference"):
        render(post, "正文\n见 ![图](nb:curve) 内联\n")


@pytest.mark.parametrize("src_uri", ["index.md", "about.md"])
def test_nb_reference_on_a_page_without_notebook_fails(post, src_uri):
    post.file.src_uri = src_uri
    with pytest.raises(PluginError, match=rf"docs/{src_uri}: line 6: nb: references work only on a post"):
        render(post, "# 首页\n\n数字 {{nb:sw}}\n")


def test_bad_format_spec_fails(post):
    with pytest.raises(PluginError, match="cannot format value 'steps'"):
        render(post, "{{nb:steps:.2q}}")


def test_front_matter_errors_name_file_and_field(tmp_path):
    page = tmp_path / "generative" / "x.md"
    page.parent.mkdir()
    page.write_text("---\ntitle: 标题\ndate: 2026-01-01\nsection: generative\n---\n# 标题\n", encoding="utf-8")
    with pytest.raises(PluginError, match=r"docs/generative/x.md: front matter lacks tags, notebook, summary"):
        posts.read_post("generative/x.md", page, "generative", {"generative": "生成模型"})
    page.write_text("---\ntitle: 标题\ndate: 2026-01-01\nsection: vision\ntags: [a]\nnotebook: x\nsummary: s\n---\n",
                    encoding="utf-8")
    with pytest.raises(PluginError, match=r"section 'vision' but the page is in docs/generative/"):
        posts.read_post("generative/x.md", page, "generative", {"generative": "生成模型"})


@pytest.mark.parametrize("front, message", [
    ("title: 标题\ndate: 2026-02-30\n", r"docs/generative/x.md: front matter is not valid YAML: day is out of range"),
    ("title: '标题\ndate: 2026-01-01\n", r"docs/generative/x.md: line \d+: front matter is not valid YAML"),
    ("title: 标题\ndate: 2026-01-01 10:30:00\nsection: generative\ntags: [a]\nnotebook: ddpm\nsummary: s\n",
     r"date '2026-01-01 10:30:00' is not a YYYY-MM-DD date \(no time of day\)"),
])
def test_front_matter_yaml_and_date_errors_say_what_and_where(tmp_path, front, message):
    page = tmp_path / "x.md"
    page.write_text(f"---\n{front}---\n# 标题\n", encoding="utf-8")
    with pytest.raises(PluginError, match=message):
        posts.read_post("generative/x.md", page, "generative", {"generative": "生成模型"})


def test_labelled_equation_without_check_or_reason_stops_the_build(post):
    text = "$$\n\\begin{equation}\na=b \\label{eq:demo-ab}\n\\end{equation}\n$$\n"
    with pytest.raises(PluginError, match=r"docs/generative/demo.md: labelled equation\(s\) with neither .*"
                                          r"eq:demo-ab \(line 6\)"):
        render(post, text)
    post.meta = {"unchecked": {"demo-ab": "定义"}}
    assert "a=b" in render(post, text)


def test_navigation_is_generated_from_the_posts():
    sections = {"generative": "生成模型", "large-models": "大模型", "basics": "深度学习基础"}
    found = [Post("large-models/b.md", "B", dt.date(2026, 2, 1), "large-models", ["t"], "b", "s"),
             Post("generative/z.md", "Z", dt.date(2026, 1, 2), "generative", ["t"], "z", "s"),
             Post("generative/a.md", "A", dt.date(2026, 1, 9), "generative", ["t"], "a", "s")]
    assert posts.navigation(posts.reading_order(found, sections), sections) == [
        {"首页": "index.md"},
        {"生成模型": ["generative/index.md", "generative/z.md", "generative/a.md"]},
        {"大模型": ["large-models/index.md", "large-models/b.md"]},
        {"标签": "tags.md"},
        {"Notebooks": "notebooks/index.md"},
    ]


def test_truncated_mkdocs_jupyter_cache_entry_is_moved_aside(tmp_path, caplog):
    good, bad = tmp_path / "a.json", tmp_path / "b.json"
    good.write_text('{"content": "x"}')
    bad.write_text('{"content": "trunc')
    with caplog.at_level("INFO", logger="mkdocs.plugins.notesbuild"):
        notebooks._repair_jupyter_cache(tmp_path)
    assert good.exists() and not bad.exists() and (tmp_path / "b.corrupt").exists()
    assert "b.json: unreadable mkdocs-jupyter cache entry" in caplog.text


def test_failed_build_leaves_no_site(tmp_path, monkeypatch):
    site = tmp_path / "site"
    (site / "generative").mkdir(parents=True)
    (site / "index.html").write_text("half-built")
    monkeypatch.setattr(STATE, "site_dir", site)
    finish.on_build_error(error=PluginError("boom"))
    assert not site.exists()
    monkeypatch.setattr(STATE, "site_dir", ROOT)  # never the repository itself
    finish.on_build_error(error=PluginError("boom"))
    assert (ROOT / "mkdocs.yml").exists()


@pytest.mark.parametrize("branch", ["main", "gh-pages", "-x", "a b", ""])
def test_notebooks_branch_must_be_a_branch_of_its_own(branch):
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    config.extra["notebooks_branch"] = branch
    with pytest.raises(PluginError, match="notebooks_branch"):
        posts_hook.on_config(config)


def _post(slug, date, prerequisites=(), section="generative", tags=("t",)):
    return Post(f"{section}/{slug}.md", slug.upper(), dt.date(2026, 1, date), section, list(tags), slug, "s",
                prerequisites=list(prerequisites))


def test_reading_order_puts_prerequisites_first_then_dates():
    sections = {"generative": "生成模型", "large-models": "大模型"}
    found = [_post("edm", 1, ["sde"]), _post("ddpm", 3), _post("sde", 2, ["ddpm"]), _post("rope", 1, section="large-models"),
             _post("llada", 9, ["ddpm"], section="large-models")]
    order = [p.slug for p in posts.reading_order(found, sections)]
    assert order == ["ddpm", "sde", "edm", "rope", "llada"]  # llada's prerequisite is in another section
    assert [p.slug for p in posts.followers(found[1], found)] == ["sde", "llada"]
    with pytest.raises(PluginError, match=r"prerequisites form a cycle: docs/generative/a.md, docs/generative/b.md"):
        posts.reading_order([_post("a", 1, ["b"]), _post("b", 2, ["a"])], sections)


@pytest.mark.parametrize("prereq, message", [
    ("ddmp", r"docs/generative/edm.md: prerequisites: 'ddmp' names no post \(did you mean ddpm\?\)"),
    ("edm", r"docs/generative/edm.md: prerequisites: 'edm' names the post itself"),
])
def test_unknown_prerequisite_names_page_and_slug(prereq, message):
    with pytest.raises(PluginError, match=message):
        posts.check_links([_post("ddpm", 1), _post("edm", 2, [prereq])], set())


def test_tag_outside_the_site_list_names_page_and_suggests():
    ok = [_post("ddpm", 1, tags=["扩散模型"])]
    posts.check_links(ok, {"扩散模型", "概率流ODE"})
    with pytest.raises(PluginError, match=r"docs/generative/edm.md: tag '概率流 ODE' is not in the site's tag list "
                                          r"\(did you mean 概率流ODE\?\)"):
        posts.check_links(ok + [_post("edm", 2, tags=["概率流 ODE"])], {"扩散模型", "概率流ODE"})
    posts.check_links(ok + [_post("edm", 2, tags=["任意"])], set())  # no list: any tag


def test_post_ends_with_what_to_read_next(post, monkeypatch):
    demo = STATE.posts["generative/demo.md"]
    nxt = Post("generative/next.md", "下一篇", dt.date(2026, 2, 1), "generative", ["t"], "next", "接着推导",
               prerequisites=["demo"])
    monkeypatch.setitem(STATE.posts, nxt.src_uri, nxt)
    out = render(post, "正文。\n")
    assert "## 接着读 { #read-next }\n\n- [下一篇](next.md)：接着推导" in out
    assert out.index("## 接着读") < out.index("## 参考文献") if "## 参考文献" in out else True
    assert demo.slug == "demo"


def test_site_tags_are_spelled_as_the_site_list():
    """The real posts against the real tag list (mkdocs.yml tags_allowed)."""
    from mkdocs.config import load_config

    config = load_config(str(ROOT / "mkdocs.yml"))
    posts_hook.on_config(config)
    allowed = posts_hook._allowed_tags(config)
    assert allowed and STATE.posts and all(set(p.tags) <= allowed for p in STATE.posts.values())
    assert set(config.extra["sections"].values()) <= allowed  # make new-post starts a post with its section


def test_two_posts_with_one_notebook_fail():
    a, b = _post("ddpm", 1), _post("edm", 2)
    b.notebook = "ddpm"
    with pytest.raises(PluginError, match=r"docs/generative/edm.md: notebook 'ddpm' already belongs to docs/generative/ddpm.md"):
        posts.check_links([a, b], set())
