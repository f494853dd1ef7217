"""snippets/data.py: the standardised swiss roll against sample moments and its own definition; the GMM against
scipy densities, autograd, linear-Gaussian regressions and Monte Carlo."""

import math

import numpy as np
import torch
from scipy.stats import multivariate_normal

from snippets.data import GMM, S_HIGH, S_LOW, swiss_roll, swiss_roll_moments


def test_moments_match_a_closed_form():
    # E[s cos s] for s ~ U(a, b): (1/(b-a)) [cos s + s sin s]_a^b, by integration by parts
    a, b = S_LOW, S_HIGH
    mean_x = ((math.cos(b) + b * math.sin(b)) - (math.cos(a) + a * math.sin(a))) / (b - a)
    mean, std = swiss_roll_moments(0.0)
    assert abs(mean[0] - mean_x) < 1e-12
    assert std.shape == (2,) and (std > 0).all()


def test_draws_are_standardised_in_the_population():
    x = swiss_roll(200_000, np.random.RandomState(0), noise=0.5, dtype=torch.float64)
    n = x.shape[0]
    assert x.shape == (n, 2)
    assert (x.mean(0).abs() < 4 / math.sqrt(n)).all()  # 4 standard errors of a unit-variance mean
    assert (x.var(0) - 1).abs().max() < 0.02


def test_successive_draws_differ_and_seeds_repeat():
    rng = np.random.RandomState(3)
    a, b = swiss_roll(100, rng), swiss_roll(100, rng)
    assert not torch.equal(a, b)
    assert torch.equal(swiss_roll(100, 7), swiss_roll(100, 7))


# --- GMM ---

WEIGHTS = [0.5, 0.3, 0.2]
MEANS = [[-1.0, 0.5], [1.2, 0.0], [0.0, -1.3]]
COVS = [[[0.09, 0.03], [0.03, 0.04]], [[0.02, 0.0], [0.0, 0.25]], [[0.16, -0.05], [-0.05, 0.05]]]
GM = GMM(WEIGHTS, MEANS, COVS)


def scipy_logpdf(x, a, b):
    """log density of a x_0 + b z with scipy, one component at a time."""
    dens = sum(w * multivariate_normal(a * np.array(m), a**2 * np.array(c) + b**2 * np.eye(2)).pdf(x)
               for w, m, c in zip(WEIGHTS, MEANS, COVS, strict=True))
    return np.log(dens)


def test_logpdf_matches_scipy_clean_and_noised():
    x = torch.randn(50, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for a, b in [(1.0, 0.0), (0.8, 0.6), (0.1, 0.995)]:
        err = np.abs(GM.logpdf(x, a, b).numpy() - scipy_logpdf(x.numpy(), a, b)).max()
        assert err < 1e-10, (a, b, err)


def test_score_is_the_gradient_of_logpdf():
    x = torch.randn(40, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1)).requires_grad_(True)
    for a, b in [(1.0, 0.0), (0.7, 0.7)]:
        (g,) = torch.autograd.grad(GM.logpdf(x, a, b).sum(), x)
        assert (GM.score(x.detach(), a, b) - g).abs().max() < 1e-9


def test_per_point_noise_levels_equal_scalar_calls():
    x = torch.randn(6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    ab = torch.tensor([1.0, 0.9, 0.5, 0.2, 0.01, 0.5], dtype=torch.float64)
    batched = GM.eps(x, ab)
    for i in range(6):
        assert (batched[i] - GM.eps(x[i:i + 1], ab[i].item())[0]).abs().max() < 1e-12


def test_single_component_eps_and_denoiser_are_the_linear_gaussian_regressions():
    m = torch.tensor([0.3, -0.4], dtype=torch.float64)
    C = torch.tensor([[0.5, 0.2], [0.2, 0.3]], dtype=torch.float64)
    one = GMM([1.0], m[None], C[None])
    x = torch.randn(20, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    I2 = torch.eye(2, dtype=torch.float64)
    ab = 0.36  # sqrt = 0.6, sqrt(1 - ab) = 0.8
    # E[eps | x_t] = Cov(eps, x_t) Var(x_t)^{-1} (x_t - E x_t) = 0.8 (0.36 C + 0.64 I)^{-1} (x_t - 0.6 m)
    eps_lin = 0.8 * torch.linalg.solve(ab * C + 0.64 * I2, (x - 0.6 * m).T).T
    assert (one.eps(x, ab) - eps_lin).abs().max() < 1e-12
    # E[x_0 | x_0 + sigma z] = m + C (C + sigma^2 I)^{-1} (y - m)
    sigma = 0.7
    den_lin = m + (C @ torch.linalg.solve(C + sigma**2 * I2, (x - m).T)).T
    assert (one.denoiser(x, sigma) - den_lin).abs().max() < 1e-12


def test_eps_is_the_conditional_mean_by_monte_carlo():
    """E[(eps - eps*(x_t)) h(x_t)] = 0 for h in {1, x_t}: the residual of E[eps|x_t] is orthogonal to functions of x_t.

    Tested in standard errors; the naive guess eps = sqrt(1 - abar) x_t (data ignored) fails the same test.
    """
    n, ab = 200_000, 0.5
    x0 = GM.sample(n, seed=4)
    eps = torch.randn(n, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    xt = math.sqrt(ab) * x0 + math.sqrt(1 - ab) * eps

    def max_z(pred):
        r = eps - pred  # (n, 2)
        feats = torch.cat([r, r[:, :, None].mul(xt[:, None, :]).reshape(n, 4)], dim=1)  # (n, 6)
        return (feats.mean(0) / (feats.std(0) / math.sqrt(n))).abs().max().item()

    assert max_z(GM.eps(xt, ab)) < 4
    assert max_z(math.sqrt(1 - ab) * xt) > 10


def test_sample_moments():
    n = 200_000
    x = GM.sample(n, seed=6)
    w, mu, C = (torch.tensor(v, dtype=torch.float64) for v in (WEIGHTS, MEANS, COVS))
    mean = (w[:, None] * mu).sum(0)
    second = (w[:, None, None] * (C + mu[:, :, None] * mu[:, None, :])).sum(0)
    var = torch.diagonal(second) - mean**2
    z = (x.mean(0) - mean) / (var / n).sqrt()
    assert z.abs().max() < 4, z
    assert torch.equal(GM.sample(10, seed=7), GM.sample(10, seed=7))
