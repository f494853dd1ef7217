"""Checks that print their margin and fail loudly.

Each compares a computed quantity with an independent one and raises
AssertionError, naming what was checked, when the bound is not met:

    check_close("posterior mean", mu_closed, mu_conditioned, atol=1e-10)
    check_mc("var at t=500", est, target, se, k=4)
    check_below("SW / noise floor", ratio, 2.0)
"""

import numpy as np


def _max_abs(a, b) -> float:
    a = np.asarray(a.detach().cpu() if hasattr(a, "detach") else a, dtype=float)
    b = np.asarray(b.detach().cpu() if hasattr(b, "detach") else b, dtype=float)
    if a.shape != b.shape:
        raise AssertionError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def check_below(name: str, value: float, bound: float) -> float:
    """Assert value < bound; returns value."""
    value = float(value)
    ok = value < bound
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {value:.4g} < {bound:.4g}")
    if not ok:
        raise AssertionError(f"{name}: {value:.6g} is not below {bound:.6g}")
    return value


def check_close(name: str, a, b, atol: float) -> float:
    """Assert max|a - b| < atol (arrays or tensors of the same shape); returns the error."""
    return check_below(f"{name} (max abs error)", _max_abs(a, b), atol)


def check_mc(name: str, estimate, target, se, k: float = 4.0) -> float:
    """Assert a Monte Carlo estimate lies within k standard errors of its target; returns max |z|."""
    est, tgt, se = (np.asarray(x, dtype=float) for x in (estimate, target, se))
    if np.any(se <= 0):
        raise AssertionError(f"{name}: standard error must be positive")
    z = float(np.max(np.abs(est - tgt) / se))
    return check_below(f"{name} (|z|, standard errors)", z, k)


def check_fails(name: str, fn) -> None:
    """Negative control: `fn` (a check on a deliberately wrong variant) must raise AssertionError."""
    try:
        fn()
    except AssertionError:
        print(f"PASS  negative control '{name}' fails as it should")
        return
    raise AssertionError(f"negative control '{name}' passed: the check cannot tell right from wrong")
