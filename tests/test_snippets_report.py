"""snippets/report.py: published values reach the build as plain JSON numbers, or publish() refuses."""

import math

import numpy as np
import pytest
import torch

from snippets import report
from snippets.protocol import VALUES_MIME


def test_values_are_plain_and_shown(monkeypatch):
    shown = []
    monkeypatch.setattr(report, "display", lambda bundle, raw: shown.append(bundle))
    report.publish(a=np.float32(0.5), b=torch.tensor(3), c="文字", d=True)
    assert shown[0][VALUES_MIME] == {"a": 0.5, "b": 3, "c": "文字", "d": True}
    assert "a = 0.5" in shown[0]["text/plain"]


@pytest.mark.parametrize("bad", [math.nan, math.inf, np.float64("nan"), torch.tensor(float("-inf"))])
def test_non_finite_numbers_are_refused(bad):
    with pytest.raises(ValueError, match="finite"):
        report.publish(x=bad)


def test_other_types_are_refused():
    with pytest.raises(TypeError, match="numbers and strings"):
        report.publish(x=[1, 2])
