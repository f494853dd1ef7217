"""snippets/odesolve.py: orders of accuracy on a linear ODE with a closed form, and the
Euler-Maruyama moments of an Ornstein-Uhlenbeck process against their closed forms."""

import math

import numpy as np
import pytest
import torch

from snippets.odesolve import nfe, ode_solve, sde_solve


def _error(method, n, backwards=False):
    # dx/dt = a x has the closed form x(t) = x(t0) e^{a (t - t0)}, forwards and backwards in time.
    a = -1.3
    x0 = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    ts = torch.linspace(2.0, 0.0, n + 1) if backwards else torch.linspace(0.0, 2.0, n + 1)
    x_end = ode_solve(lambda x, t: a * x, x0, ts, method=method)
    exact = x0 * math.exp(a * float(ts[-1] - ts[0]))
    return float((x_end - exact).abs().max())


@pytest.mark.parametrize("method,order", [("euler", 1), ("heun", 2)])
@pytest.mark.parametrize("backwards", [False, True])
def test_convergence_order(method, order, backwards):
    ns = [16, 32, 64, 128]
    slope = -np.polyfit(np.log(ns), np.log([_error(method, n, backwards) for n in ns]), 1)[0]
    assert abs(slope - order) < 0.15, slope


def test_keep_returns_every_grid_state_and_time_dependent_field():
    ts = torch.linspace(0, 1, 11)
    xs = ode_solve(lambda x, t: torch.full_like(x, 2 * t), torch.zeros(3, 1, dtype=torch.float64), ts, keep=True)
    assert xs.shape == (11, 3, 1)
    # dx/dt = 2t: Heun integrates a linear-in-t field exactly, x(t) = t^2
    torch.testing.assert_close(xs[:, 0, 0], (ts**2).double())


def test_nfe_and_last_euler():
    calls = []

    def f(x, t):
        calls.append(t)
        return -x

    ode_solve(f, torch.ones(1, 1), [1.0, 0.5, 0.0], method="heun", last_euler=True)
    assert len(calls) == nfe(2, "heun", last_euler=True) == 3
    assert nfe(5, "euler") == 5 and nfe(5, "heun") == 10
    with pytest.raises(ValueError, match="method"):
        nfe(1, "rk4")


def test_euler_maruyama_ou_moments():
    # dx = -theta x dt + s dw, x(0) = 1: mean e^{-theta T}, var s^2 (1 - e^{-2 theta T}) / (2 theta)
    theta, s, T, n = 1.0, 0.8, 1.0, 40_000
    g = torch.Generator().manual_seed(0)
    x = sde_solve(lambda x, t: -theta * x, lambda t: s, torch.ones(n, 1, dtype=torch.float64),
                  torch.linspace(0, T, 401), generator=g)
    mean, var = math.exp(-theta * T), s**2 * (1 - math.exp(-2 * theta * T)) / (2 * theta)
    se_mean, se_var = math.sqrt(var / n), var * math.sqrt(2 / n)
    assert abs(float(x.mean()) - mean) < 4 * se_mean + 2e-3  # + Euler's O(dt) bias
    assert abs(float(x.var()) - var) < 4 * se_var + 2e-3
    # negative control: without the noise term the variance is 0, far outside the band
    x_det = sde_solve(lambda x, t: -theta * x, lambda t: 0.0, torch.ones(n, 1, dtype=torch.float64),
                      torch.linspace(0, T, 401), generator=g)
    assert abs(float(x_det.var()) - var) > 10 * se_var
