"""Publish a notebook's measured numbers so the page can quote them.

    publish(sw_ratio=0.93, steps=50)

shows `sw_ratio = 0.93` in Jupyter and Colab, and carries the values under a
MIME type of their own that the site build reads; a page writes
`{{nb:sw_ratio:.2f}}` and never types the number by hand.
"""

import json
import math
import numbers

from IPython.display import display

from snippets.protocol import VALUES_MIME


def _plain(value):
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        if not math.isfinite(value):  # JSON would carry it as a string, and the page would print "nan"
            raise ValueError(f"publish() takes finite numbers, got {value}")
        return float(value)
    if hasattr(value, "item"):  # numpy / torch scalars
        return _plain(value.item())
    raise TypeError(f"publish() takes numbers and strings, got {type(value).__name__}")


def publish(**values) -> None:
    plain = {name: _plain(v) for name, v in values.items()}
    json.dumps(plain)  # fail here, not in the build, if a value is not serialisable
    text = "\n".join(f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v}" for k, v in plain.items())
    display({"text/plain": text, VALUES_MIME: plain}, raw=True)
