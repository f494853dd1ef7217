"""Build-time math (notesbuild/typeset.py): pages get SVG math, numbered per page; TeX errors stop the build."""

import pytest

from notesbuild import typeset

PAGE = """<!doctype html><html><head><title>t</title></head><body><div class="md-content">
<p>行内 <span class="arithmatex">\\(a^2+b^2\\)</span>，见 <span class="arithmatex">\\(\\eqref{eq:demo-x}\\)</span>。</p>
<div class="arithmatex">\\[\\begin{equation}x=1\\label{eq:demo-x}\\end{equation}\\]</div>
<pre><code>$not math$</code></pre></div></body></html>"""


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setattr(typeset, "CACHE", tmp_path / "cache")
    root = tmp_path / "site"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "a" / "index.html").write_text(PAGE, encoding="utf-8")
    (root / "b" / "index.html").write_text(PAGE, encoding="utf-8")
    return root


def test_pages_get_svg_math_numbered_per_page_and_are_cached(site):
    assert typeset.typeset_site(site, log=lambda *a: None) == (2, 0)
    for page in ("a", "b"):
        html = (site / page / "index.html").read_text(encoding="utf-8")
        assert html.count("<mjx-container") == 3 and "\\(" not in html
        assert 'data-tex="a^2+b^2"' in html and "$not math$" in html  # code is left alone
        # \eqref points at the build's equation anchor, as xlink:href (Material's scripts cannot set an
        # SVG <a>'s href property)
        assert '<a xlink:href="#eq-demo-x">' in html and '<a href="#eq-demo-x">' not in html
        assert 'id="eq-demo-x"' in html  # no wrapper from equations.py here: the tag itself gets the anchor
    assert (site / typeset.CSS).read_text().strip().startswith("mjx-container")
    (site / "a" / "index.html").write_text(PAGE, encoding="utf-8")  # a rebuild writes every page again;
    (site / "b" / "index.html").write_text(PAGE.replace("a^2", "c^2"), encoding="utf-8")  # one has changed
    assert typeset.typeset_site(site, log=lambda *a: None) == (1, 1)


def test_tex_error_names_page_and_tex_and_changes_nothing(site):
    bad = PAGE.replace("a^2+b^2", "\\frac{1}")
    (site / "b" / "index.html").write_text(bad, encoding="utf-8")
    with pytest.raises(typeset.TypesetError, match=r"b/index.html: TeX error .* in: \\frac\{1\}"):
        typeset.typeset_site(site, log=lambda *a: None)
    assert (site / "a" / "index.html").read_text(encoding="utf-8") == PAGE
    assert (site / "b" / "index.html").read_text(encoding="utf-8") == bad
