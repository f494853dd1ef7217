"""What an executed notebook produced for its page: named figures and published values.

In a notebook, `show(fig, "name")` (snippets/viz.py) names a figure and `publish(x=…)`
(snippets/report.py) a value; `read(slug, nb)` finds them in the outputs. A figure or value
produced twice, a figure without SVG or PNG data, or an error output raises OutputError
naming the notebook and the cell.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from mkdocs.exceptions import PluginError

from snippets.protocol import METADATA_KEY as FIGURE_META  # output metadata of snippets/viz.py show()
from snippets.protocol import VALUES_MIME  # snippets/report.py publish()


class OutputError(PluginError):
    """An executed notebook whose outputs cannot be published."""


@dataclass
class Figure:
    ext: str  # "svg" | "png"
    content: bytes
    cell: int
    thumbnail: bytes | None = None  # a small PNG for the post's card (snippets/viz.py, show)


@dataclass
class Produced:
    figures: dict[str, Figure] = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # name -> number or string


def read(slug: str, nb) -> Produced:
    out = Produced()
    for index, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise OutputError(f"notebooks/{slug}.ipynb: cell {index} has an error output; it is not published")
            data = output.get("data", {})
            meta = output.get("metadata", {}).get(FIGURE_META, {})
            name = meta.get("figure")
            if name:
                if name in out.figures:
                    raise OutputError(f"notebooks/{slug}.ipynb: figure '{name}' is shown twice (cell {index})")
                if "image/svg+xml" in data:
                    out.figures[name] = Figure("svg", data["image/svg+xml"].encode("utf-8"), index)
                elif "image/png" in data:
                    out.figures[name] = Figure("png", base64.b64decode(data["image/png"]), index)
                else:
                    raise OutputError(f"notebooks/{slug}.ipynb: figure '{name}' (cell {index}) has no SVG or PNG data")
                if meta.get("thumbnail"):
                    out.figures[name].thumbnail = base64.b64decode(meta["thumbnail"])
            for key, value in data.get(VALUES_MIME, {}).items():
                if key in out.values:
                    raise OutputError(f"notebooks/{slug}.ipynb: value '{key}' is published twice (cell {index})")
                out.values[key] = value
    return out
