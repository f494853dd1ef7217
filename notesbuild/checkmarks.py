"""Every labelled equation shows its proof: which notebook checks verify it, or why none can.

A notebook check that names an equation (`check_close(..., eq="ddpm-posterior")`, snippets/checks.py)
shows a record under CHECK_MIME when it passes. For each post this module
- collects those records from the executed notebook, gives each an anchor `check-<n>` and an HTML
  rendering (`annotate`), so the notebook page can be linked to the cell that checked the equation;
- reads the page's `\\label{eq:…}` lines and its front matter `unchecked: {label: reason}` (`Coverage`),
  and fails, naming page, line and label, when a labelled equation has neither a check nor a reason,
  when a check names a label the page does not have, or when a label is both checked and `unchecked`;
- renders the mark under each equation (“✓ 数值验证”, linking to the checks, with value and bound,
  or the reason it is not checked) and the line `equations checked: k/m` the build prints per page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from mkdocs.exceptions import PluginError

from snippets.protocol import CHECK_MIME  # written by snippets/checks.py

LABEL_RE = re.compile(r"\\label\{eq:([^}]*)\}")
FENCE_RE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
MAX_LINKS = 3  # checks linked from one mark; more are counted


class CheckMarkError(PluginError):
    """A labelled equation without a check or a reason, or a check naming no equation of the page."""


@dataclass
class Check:
    eq: list[str]
    name: str
    value: float
    bound: float
    unit: str
    cell: int    # 1-based cell number on the notebook page
    anchor: str  # id of the check's output on the notebook page


def annotate(nb) -> list[Check]:
    """Give each check record of an executed notebook an anchor and an HTML form; return the checks."""
    checks: list[Check] = []
    for number, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(CHECK_MIME)
            if not record:
                continue
            check = Check(eq=list(record["eq"]), name=str(record["name"]), value=float(record["value"]),
                          bound=float(record["bound"]), unit=str(record.get("unit", "")), cell=number,
                          anchor=f"check-{len(checks) + 1}")
            labels = ", ".join(f"eq:{x}" for x in check.eq)
            output["data"]["text/html"] = (
                f'<pre class="nb-check" id="{check.anchor}">✓ {html.escape(check.name)}: '
                f'{_number(check.value, check.unit)} &lt; {_number(check.bound, check.unit)}'
                f'   <span class="nb-check-eq">verifies {html.escape(labels)}</span></pre>')
            checks.append(check)
    return checks


def _number(x: float, unit: str) -> str:
    return f"{x:.2g}{' ' + unit if unit else ''}"


@dataclass
class Coverage:
    """The labelled equations of one page and what backs each."""
    where: str
    labels: dict[str, int]                                      # label -> line in the page source
    checks: dict[str, list[Check]] = field(default_factory=dict)  # label -> checks verifying it
    unchecked: dict[str, str] = field(default_factory=dict)       # label -> reason

    @property
    def summary(self) -> str:
        return f"{self.where}: equations checked: {len(self.checks)}/{len(self.labels)}" + (
            f" ({len(self.unchecked)} not checkable, with reasons)" if self.unchecked else "")

    def mark(self, label: str, nb_url: str) -> str:
        """The HTML mark shown under equation `label` (without 'eq:')."""
        if label in self.checks:
            checks = self.checks[label]
            links = " · ".join(
                f'<a href="{nb_url}#{c.anchor}" title="{html.escape(c.name, quote=True)}">'
                f'{_number(c.value, c.unit)} &lt; {_number(c.bound, c.unit)}</a>' for c in checks[:MAX_LINKS])
            more = f" 等 {len(checks)} 项" if len(checks) > MAX_LINKS else ""
            return f'<div class="eq-check" data-search-exclude><span class="eq-check-ok">✓ 数值验证</span> {links}{more}</div>'
        reason = self.unchecked[label]
        return f'<div class="eq-check eq-check--none" data-search-exclude>未作数值验证：{html.escape(reason)}</div>'


def first_line(source: str, markdown: str) -> int:
    """The line of the page file where `markdown` (the page without its front matter) starts, so that
    errors name lines of the file a writer has open."""
    return source[: len(source) - len(markdown)].count("\n") + 1 if source.endswith(markdown) else 1


def page_labels(markdown: str, first_line: int = 1) -> dict[str, int]:
    """`\\label{eq:x}` outside code blocks -> its line number (first_line: line of markdown's first line)."""
    labels, fence = {}, ""
    for lineno, line in enumerate(markdown.splitlines(), start=first_line):
        m = FENCE_RE.match(line)
        if fence:
            fence = "" if m and m[1][0] == fence[0] and len(m[1]) >= len(fence) else fence
            continue
        if m:
            fence = m[1]
            continue
        for label in LABEL_RE.findall(line):
            labels.setdefault(label, lineno)
    return labels


def coverage(where: str, markdown: str, checks: list[Check], unchecked, notebook: str,
             first_line: int = 1) -> Coverage:
    """What backs each labelled equation of a page; raises CheckMarkError on a gap or a stray name."""
    labels = page_labels(markdown, first_line)
    reasons = _reasons(where, unchecked)
    cov = Coverage(where, labels, unchecked=reasons)
    for check in checks:
        for label in check.eq:
            if label not in labels:
                raise CheckMarkError(
                    f"{where}: notebooks/{notebook}.ipynb cell {check.cell}: check '{check.name}' names "
                    f"eq='{label}', but the page has no \\label{{eq:{label}}}"
                    + (f" (labels: {', '.join(sorted(labels))})" if labels else ""))
            cov.checks.setdefault(label, []).append(check)
    for label, reason in reasons.items():
        if label not in labels:
            raise CheckMarkError(f"{where}: front matter 'unchecked' names '{label}', which is no \\label on the page")
        if label in cov.checks:
            raise CheckMarkError(f"{where}: '{label}' is listed under 'unchecked' ({reason}) but notebook "
                                 f"check '{cov.checks[label][0].name}' verifies it: remove it from 'unchecked'")
    bare = [label for label in labels if label not in cov.checks and label not in reasons]
    if bare:
        lines = ", ".join(f"eq:{label} (line {labels[label]})" for label in bare)
        raise CheckMarkError(
            f"{where}: labelled equation(s) with neither a notebook check nor a reason: {lines}. "
            f"Verify each in notebooks/{notebook}.ipynb with check_*(..., eq=\"<label>\"), or give the reason "
            "it cannot be checked in the front matter:  unchecked: {<label>: <reason>}")
    return cov


def _reasons(where: str, unchecked) -> dict[str, str]:
    if unchecked is None:
        return {}
    if not isinstance(unchecked, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                                  for k, v in unchecked.items()):
        raise CheckMarkError(f"{where}: front matter 'unchecked' must map labels to reasons, "
                             "e.g.  unchecked: {ddpm-forward-step: 定义，无可验证的结论}")
    return {(k[3:] if k.startswith("eq:") else k): v.strip() for k, v in unchecked.items()}
