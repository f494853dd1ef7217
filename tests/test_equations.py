"""Equation permalinks: labelled equations get stable ids; labels and references are checked."""

import pytest

from notesbuild import equations

ONE = '<div class="arithmatex">\\[\\begin{equation}\na&lt;b \\label{eq:demo-ab}\n\\end{equation}\\]</div>'
ALIGN = ('<div class="arithmatex">\\[\\begin{align}\na&amp;=b\\label{eq:demo-first}\\\\\n'
         'c&amp;=d\\label{eq:demo-second}\n\\end{align}\\]</div>')
PLAIN = '<div class="arithmatex">\\[x=1\\]</div>'
REF = '<p>见 <span class="arithmatex">\\(\\eqref{eq:demo-ab}\\)</span></p>'


def test_labelled_equation_gets_anchor_and_permalink():
    out = equations.add_permalinks(REF + ONE + PLAIN, "docs/x.md")
    assert out == (REF + f'<div class="eq-block" id="eq-demo-ab">{ONE}'
                   '<a class="headerlink eq-permalink" href="#eq-demo-ab" title="本式的链接">¶</a></div>' + PLAIN)


def test_every_label_of_an_align_gets_an_id():
    out = equations.add_permalinks(ALIGN, "docs/x.md")
    assert out.startswith('<div class="eq-block" id="eq-demo-first"><span class="eq-anchor" id="eq-demo-second"></span>')
    assert out.count("eq-permalink") == 1


def test_page_without_labels_is_unchanged():
    assert equations.add_permalinks(PLAIN, "docs/x.md") == PLAIN


def test_anchor_id_matches_the_javascript_mapping():
    assert equations.anchor_id("eq:ddpm-elbo") == "eq-ddpm-elbo"
    assert equations.anchor_id("eq:a b.c") == "eq-a_b-c"


@pytest.mark.parametrize("html, message", [
    (ONE + ONE, r"docs/x.md: equation label 'eq:demo-ab' is used twice"),
    (ONE.replace("eq:demo-ab", "demo"), r"docs/x.md: equation label 'demo' should be 'eq:<slug>-<name>'"),
    (ONE + REF.replace("eq:demo-ab", "eq:demo-nope"),
     r"docs/x.md: \\eqref\{eq:demo-nope\} names no \\label on this page \(labels: eq:demo-ab\)"),
])
def test_bad_labels_and_references_fail(html, message):
    with pytest.raises(equations.EquationError, match=message):
        equations.add_permalinks(html, "docs/x.md")
