"""snippets/diffusion.py against independent computations (plain-float loops, Monte Carlo in standard errors)."""

import math
from itertools import pairwise

import pytest
import torch

from snippets.diffusion import (
    linear_schedule,
    loss_simple,
    p_mean,
    p_sample_loop,
    p_variance,
    q_sample,
    train,
)

T = 1000
BETA, ALPHA, ALPHA_BAR = linear_schedule(T)


def python_alpha_bar(t, T=T, b1=1e-4, bT=0.02):
    """abar_t as a product of plain floats, beta_s = b1 + (s - 1) (bT - b1) / (T - 1)."""
    return math.prod(1 - (b1 + (s - 1) * (bT - b1) / (T - 1)) for s in range(1, t + 1))


def test_schedule_matches_a_plain_product():
    assert BETA.dtype == ALPHA_BAR.dtype == torch.float64 and BETA.shape == (T + 1,)
    assert BETA[0].item() == 0.0 and ALPHA_BAR[0].item() == 1.0
    assert abs(BETA[1].item() - 1e-4) < 1e-18 and abs(BETA[T].item() - 0.02) < 1e-17
    for t in [1, 2, 10, 250, 500, 999, 1000]:
        assert abs(ALPHA_BAR[t].item() / python_alpha_bar(t) - 1) < 1e-12, t
    assert torch.allclose(ALPHA, 1 - BETA, rtol=0, atol=0)
    # the DDPM paper's remark: abar_T is about 4e-5
    assert 3e-5 < ALPHA_BAR[T].item() < 5e-5


def test_q_sample_marginal_moments():
    """x_t given a fixed x_0: mean sqrt(abar_t) x_0, variance 1 - abar_t, within 4 standard errors."""
    torch.manual_seed(0)
    n = 200_000
    x0 = torch.tensor([1.5, -0.5], dtype=torch.float64).expand(n, 2)
    for t in [1, 50, 300, 1000]:
        xt = q_sample(x0, torch.full((n,), t), torch.randn(n, 2, dtype=torch.float64), ALPHA_BAR)
        ab = python_alpha_bar(t)
        var = 1 - ab
        z_mean = (xt.mean(0) - math.sqrt(ab) * x0[0]) / math.sqrt(var / n)
        z_var = (xt.var(0) - var) / (var * math.sqrt(2 / (n - 1)))
        assert z_mean.abs().max() < 4 and z_var.abs().max() < 4, (t, z_mean, z_var)


def test_p_mean_is_the_posterior_mean_for_any_stride():
    """p_mean at eps = the true noise equals mu_tilde of q(x_s | x_t, x_0) written with x_0 (two formulas)."""
    torch.manual_seed(1)
    x0 = torch.randn(64, 3, dtype=torch.float64)
    eps = torch.randn(64, 3, dtype=torch.float64)
    for t, s in [(2, 1), (500, 499), (1000, 980), (700, 300), (40, 0)]:
        xt = q_sample(x0, torch.full((64,), t), eps, ALPHA_BAR)
        ab_t, ab_s = python_alpha_bar(t), python_alpha_bar(s)
        b = 1 - ab_t / ab_s
        mu_tilde = math.sqrt(ab_s) * b / (1 - ab_t) * x0 + math.sqrt(1 - b) * (1 - ab_s) / (1 - ab_t) * xt
        assert (p_mean(xt, t, s, eps, ALPHA_BAR) - mu_tilde).abs().max() < 1e-12
        assert abs(p_variance(t, s, ALPHA_BAR, "beta").item() - b) < 1e-14
        assert abs(p_variance(t, s, ALPHA_BAR, "beta_tilde").item() - (1 - ab_s) / (1 - ab_t) * b) < 1e-14
    with pytest.raises(ValueError):
        p_variance(5, 4, ALPHA_BAR, "sigma")


def test_p_mean_takes_one_step_per_row():
    """A (B,) tensor of steps gives, row by row, what the integer form gives."""
    torch.manual_seed(2)
    t = torch.tensor([2, 17, 500, 1000])
    xt, eps = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
    batched = p_mean(xt, t, t - 1, eps, ALPHA_BAR)
    for i, ti in enumerate(t.tolist()):
        assert (batched[i] - p_mean(xt[i:i + 1], ti, ti - 1, eps[i:i + 1], ALPHA_BAR)[0]).abs().max() < 1e-15


def gaussian_eps(s):
    """Exact E[eps | x_t] for data N(0, s^2 I): c_t x_t with c_t = sqrt(1 - abar_t) / (abar_t s^2 + 1 - abar_t)."""
    def eps_model(x, t):
        ab = ALPHA_BAR[t[0]].to(x.dtype)  # the samplers move all points with one step t
        return (1 - ab).sqrt() / (ab * s**2 + 1 - ab) * x
    return eps_model


def chain_variance(s, steps, var):
    """Var of x_0 from the linear-Gaussian ancestral chain, by a scalar recursion in plain floats."""
    v = 1.0
    for t, u in pairwise(steps + [0]):
        ab_t, ab_u = python_alpha_bar(t), python_alpha_bar(u)
        a, b = ab_t / ab_u, 1 - ab_t / ab_u
        c = math.sqrt(1 - ab_t) / (ab_t * s**2 + 1 - ab_t)
        slope = (1 - b / math.sqrt(1 - ab_t) * c) / math.sqrt(a)
        sigma2 = 0.0 if u == 0 else (b if var == "beta" else (1 - ab_u) / (1 - ab_t) * b)
        v = slope**2 * v + sigma2
    return v


@pytest.mark.parametrize("var", ["beta", "beta_tilde"])
def test_sampler_with_exact_eps_reaches_the_data_variance(var):
    """T ancestral steps with the exact eps of N(0, s^2): sample variance = recursion (4 SE) and ~ s^2 (2 %)."""
    torch.manual_seed(2)
    s, n = 0.5, 20_000
    x, snaps = p_sample_loop(gaussian_eps(s), torch.randn(n, 1, dtype=torch.float64), ALPHA_BAR, var, keep=(T, 0))
    assert torch.equal(snaps[0], x) and snaps[T].shape == (n, 1)
    v = chain_variance(s, list(range(T, 0, -1)), var)
    z = (x.var(0) - v) / (v * math.sqrt(2 / (n - 1)))
    assert z.abs().max() < 4, (var, x.var(0), v)
    assert abs(x.mean(0)).max() < 4 * math.sqrt(v / n)
    assert abs(v / s**2 - 1) < 0.02, v  # the discretisation bias of DDPM's fixed variances is small at T = 1000


def test_strided_sampler_follows_the_recursion():
    """On 50 of the 1000 steps the chain is still linear-Gaussian; its variance follows the same recursion."""
    torch.manual_seed(3)
    s, n = 0.5, 20_000
    steps = [round(i * T / 50) for i in range(50, 0, -1)]
    for var in ["beta", "beta_tilde"]:
        x, _ = p_sample_loop(gaussian_eps(s), torch.randn(n, 1, dtype=torch.float64), ALPHA_BAR, var, timesteps=steps)
        v = chain_variance(s, steps, var)
        assert abs(x.var().item() - v) < 4 * v * math.sqrt(2 / (n - 1)), (var, x.var().item(), v)
    with pytest.raises(ValueError):
        p_sample_loop(gaussian_eps(s), torch.randn(4, 1), ALPHA_BAR, timesteps=[T - 1, 10])


class SlopePerStep(torch.nn.Module):
    """eps_theta(x, t) = c_t x with one free parameter per step: its L_simple optimum is the MMSE slope."""

    def __init__(self, T):
        super().__init__()
        self.c = torch.nn.Parameter(torch.zeros(T + 1))

    def forward(self, x, t):
        return self.c[t][:, None] * x


def test_train_reaches_the_mmse_slope():
    torch.manual_seed(4)
    T_small, s = 8, 0.5
    _, _, ab = linear_schedule(T_small, beta_1=0.05, beta_T=0.5)
    model = SlopePerStep(T_small)
    losses = train(model, lambda: s * torch.randn(4096, 1), ab, steps=400, lr=0.05, warmup=20)
    assert len(losses) == 400 and sum(losses[-50:]) < sum(losses[:50])
    c_star = (1 - ab[1:]).sqrt() / (ab[1:] * s**2 + 1 - ab[1:])
    rel = (model.c[1:].detach().double() / c_star - 1).abs().max().item()
    assert rel < 0.02, rel
    # the loss at the optimum is E(eps - c x_t)^2, averaged over t
    x0 = s * torch.randn(200_000, 1)
    model.c.data[1:] = c_star.float()
    mse = ((1 - c_star * (1 - ab[1:]).sqrt()) ** 2 + c_star**2 * ab[1:] * s**2).mean().item()
    torch.manual_seed(5)
    assert abs(loss_simple(model, x0, ab).item() - mse) < 0.01
