"""One figure style for every notebook, and `show`, which names a figure for the page.

    fig, ax = plt.subplots()
    ...
    show(fig, "forward")              # SVG (line plots)
    show(fig, "samples", fmt="png")   # compact PNG (dense scatter plots)

A page places the figure with `![caption](nb:forward)`; the build takes the
image from this output, so every figure on the site comes from execution. The
first figure (or the one shown with thumbnail=True) also gives the post's card
its picture.
"""

import base64
import io

import matplotlib
import matplotlib.pyplot as plt
from IPython.display import display

from snippets.protocol import METADATA_KEY as FIGURE_META  # output metadata the build reads

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

STYLE = {
    "figure.figsize": (6.4, 3.6),
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "axes.prop_cycle": matplotlib.cycler(color=COLORS),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "font.size": 10,
    "legend.frameon": False,
    "svg.hashsalt": "mlnotes",  # deterministic SVG ids
    "svg.fonttype": "path",
}
plt.rcParams.update(STYLE)


def figure_bytes(fig, fmt: str = "svg", dpi: int = 120, colors: int = 64) -> bytes:
    """SVG, or a PNG reduced to a palette of `colors` colours (a third of the size of full RGB)."""
    if fmt not in ("svg", "png"):
        raise ValueError(f"fmt must be 'svg' or 'png', got {fmt!r}")
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata)
    if fmt == "svg":
        return buf.getvalue()
    from PIL import Image  # Pillow comes with matplotlib

    image = Image.open(buf).convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT,
                                                     dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="png", optimize=True)
    return out.getvalue()


_first_shown = [False]  # the first figure of a notebook also carries a thumbnail for the site's cards
THUMBNAIL_WIDTH = 400   # pixels: twice the width of a card's image


def thumbnail_bytes(fig) -> bytes:
    """A small palette PNG of `fig`, THUMBNAIL_WIDTH pixels wide, for the site's post cards."""
    return figure_bytes(fig, "png", dpi=THUMBNAIL_WIDTH / fig.get_size_inches()[0], colors=32)


def show(fig, name: str, fmt: str = "svg", dpi: int = 120, thumbnail: bool = False) -> None:
    """Display `fig` as an output named `name` (the page refers to it as nb:name) and close it.

    thumbnail=True makes it the post's picture on the home and section pages (the site takes the
    first figure otherwise): either way a small PNG of it travels in the output's metadata.
    """
    data = figure_bytes(fig, fmt, dpi)
    meta = {"figure": name}
    if thumbnail or not _first_shown[0]:
        meta["thumbnail"] = base64.b64encode(thumbnail_bytes(fig)).decode("ascii")
        _first_shown[0] = True
    plt.close(fig)
    if fmt == "svg":
        bundle = {"image/svg+xml": data.decode("utf-8")}
    else:
        bundle = {"image/png": base64.b64encode(data).decode("ascii")}
    bundle["text/plain"] = f"<figure {name}>"
    display(bundle, metadata={FIGURE_META: meta}, raw=True)
