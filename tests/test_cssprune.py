"""Pruning the notebook pages' JupyterLab stylesheet to the rules that can match."""

from notesbuild import cssprune

CSS = """:root { --jp-x: 1px; }
.jp-Cell, .jp-Unused .jp-Cell { margin: 0; }
.jp-Unused { color: red; }
pre { tab-size: 4; }
@media print { .jp-Unused { display: none; } }
.jp-OutputArea > .jp-Child:hover { color: blue; }
:is(.jp-Cell, .jp-Unused) pre, .jp-Unused p { white-space: pre; }
"""


def test_keeps_rules_that_can_match_and_drops_the_rest():
    used = cssprune.classes_in('<div class="jp-Cell jp-OutputArea"><p class="jp-Child">x</p></div>')
    out = cssprune.prune(CSS, used)
    assert ":root{ --jp-x: 1px; }" in out and "pre{ tab-size: 4; }" in out
    assert ".jp-Cell{ margin: 0; }" in out and ".jp-Unused .jp-Cell" not in out
    assert ".jp-Unused { color" not in out
    assert "@media print{ .jp-Unused { display: none; } }" in out  # at-rules are kept whole
    assert ".jp-OutputArea > .jp-Child:hover" in out
    assert ":is(.jp-Cell, .jp-Unused) pre{ white-space: pre; }" not in out  # names an unused class
    assert ".jp-Unused p" not in out and "white-space" not in out
