"""snippets/viz.py: figures come out as deterministic SVG or a compact palette PNG."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from snippets.viz import figure_bytes  # noqa: E402


def scatter():
    fig, ax = plt.subplots()
    ax.scatter(*np.random.default_rng(0).normal(size=(2, 3000)), s=1, alpha=0.4, rasterized=True)
    return fig


def test_png_is_a_small_palette_image():
    fig = scatter()
    png = figure_bytes(fig, "png", colors=64)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "P" and len(image.getcolors()) <= 64
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight")
    assert len(png) < 0.7 * len(buf.getvalue())  # smaller than the plain RGBA PNG
    plt.close(fig)


def test_svg_is_deterministic():
    a, b = figure_bytes(scatter(), "svg"), figure_bytes(scatter(), "svg")
    assert a == b and a.startswith(b"<?xml")
    plt.close("all")


def test_first_figure_and_tagged_figure_carry_a_thumbnail(monkeypatch):
    import base64

    from snippets import viz

    shown = []
    monkeypatch.setattr(viz, "display", lambda bundle, metadata, raw: shown.append(metadata[viz.FIGURE_META]))
    monkeypatch.setattr(viz, "_first_shown", [False])
    for name, tag in [("a", False), ("b", False), ("c", True)]:
        viz.show(scatter(), name, fmt="png", thumbnail=tag)
    assert [("thumbnail" in m) for m in shown] == [True, False, True]
    thumb = Image.open(io.BytesIO(base64.b64decode(shown[0]["thumbnail"])))
    assert abs(thumb.width - viz.THUMBNAIL_WIDTH) < 0.2 * viz.THUMBNAIL_WIDTH and thumb.mode == "P"
