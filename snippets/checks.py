"""Checks that print their margin and fail loudly.

Each compares a computed quantity with an independent one and raises
AssertionError, naming what was checked, when the bound is not met:

    check_close("posterior mean", mu_closed, mu_conditioned, atol=1e-10, eq="ddpm-posterior")
    check_mc("var at t=500", est, target, se, k=4, eq="ddpm-marginal")
    check_below("SW / noise floor", ratio, 2.0)

`eq=` names the labelled equation(s) of the page that the check verifies (the label
without its `eq:` prefix, or a list of them). A passing check then also shows a record
under CHECK_MIME; the site build links the equation on the page to this output and
prints `equations checked: k/m` per page (notesbuild/checkmarks.py).
"""

import numpy as np
from IPython.display import display

from snippets.protocol import CHECK_MIME  # read by notesbuild/checkmarks.py


def _array(x) -> np.ndarray:
    """A float64 numpy array from a number, list, numpy array or torch tensor (on any device)."""
    return np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=float)


def _max_abs(a, b) -> float:
    a, b = _array(a), _array(b)
    if a.shape != b.shape:
        raise AssertionError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def _labels(eq) -> list:
    """'ddpm-elbo' or ['a', 'b'] (with or without 'eq:') -> ['ddpm-elbo']"""
    items = [eq] if isinstance(eq, str) else list(eq or [])
    labels = [item[3:] if item.startswith("eq:") else item for item in items]
    if not all(isinstance(x, str) and x for x in labels):
        raise ValueError(f"eq= takes equation labels such as 'ddpm-elbo', got {eq!r}")
    return labels


def check_below(name: str, value: float, bound: float, eq=None, unit: str = "") -> float:
    """Assert value < bound; returns value. `unit` (e.g. "SE") is shown beside the numbers on the page."""
    labels = _labels(eq)
    value = float(value)
    ok = value < bound
    line = f"{'PASS' if ok else 'FAIL'}  {name}: {value:.4g} < {bound:.4g}"
    if not ok:
        print(line)
        raise AssertionError(f"{name}: {value:.6g} is not below {bound:.6g}")
    if labels:
        record = {"eq": labels, "name": name, "value": value, "bound": float(bound), "unit": unit}
        display({"text/plain": f"{line}   [verifies {', '.join('eq:' + x for x in labels)}]", CHECK_MIME: record},
                raw=True)
    else:
        print(line)
    return value


def check_close(name: str, a, b, atol: float, eq=None) -> float:
    """Assert max|a - b| < atol (arrays or tensors of the same shape); returns the error."""
    return check_below(f"{name} (max abs error)", _max_abs(a, b), atol, eq=eq)


def check_mc(name: str, estimate, target, se, k: float = 4.0, eq=None) -> float:
    """Assert a Monte Carlo estimate lies within k standard errors of its target; returns max |z|."""
    est, tgt, se = (_array(x) for x in (estimate, target, se))
    if np.any(se <= 0):
        raise AssertionError(f"{name}: standard error must be positive")
    z = float(np.max(np.abs(est - tgt) / se))
    return check_below(f"{name} (|z|, standard errors)", z, k, eq=eq, unit="SE")


def check_fails(name: str, fn) -> None:
    """Negative control: `fn` (a check on a deliberately wrong variant) must raise AssertionError."""
    try:
        fn()
    except AssertionError:
        print(f"PASS  negative control '{name}' fails as it should")
        return
    raise AssertionError(f"negative control '{name}' passed: the check cannot tell right from wrong")
