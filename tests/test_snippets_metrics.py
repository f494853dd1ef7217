"""snippets/metrics.py against independent computations (scipy's 1D Wasserstein, closed forms)."""

import math

import numpy as np
import pytest
import torch
from scipy.stats import wasserstein_distance

from snippets.metrics import mean_sw_to, noise_floor, random_directions, sliced_wasserstein


def test_directions_are_unit_and_seeded():
    a, b = random_directions(64, 3, seed=1), random_directions(64, 3, seed=1)
    assert torch.equal(a, b)
    assert torch.allclose(a.norm(dim=1), torch.ones(64, dtype=torch.float64), atol=1e-12)
    assert not torch.equal(a, random_directions(64, 3, seed=2))


def test_sw1_matches_scipy_on_each_projection():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(300, 2, generator=g), 1.5 * torch.randn(300, 2, generator=g) + 0.3
    theta = random_directions(16, 2, seed=0)
    w1 = [wasserstein_distance((x.double() @ th).numpy(), (y.double() @ th).numpy()) for th in theta]
    assert sliced_wasserstein(x, y, n_projections=16, p=1) == pytest.approx(np.mean(w1), rel=1e-12)


def test_sw2_of_a_shift_is_the_mean_projected_shift():
    # y = x + c: every 1D quantile moves by <theta, c>, so SW_2^2 = mean_l <theta_l, c>^2 exactly
    x = torch.randn(500, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    c = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    theta = random_directions(128, 3, seed=0)
    expected = math.sqrt(float(((theta @ c) ** 2).mean()))
    assert sliced_wasserstein(x, x + c, n_projections=128) == pytest.approx(expected, rel=1e-12)
    assert sliced_wasserstein(x, x) == 0.0


def test_bad_shapes_rejected():
    with pytest.raises(ValueError):
        sliced_wasserstein(torch.zeros(10, 2), torch.zeros(11, 2))
    with pytest.raises(ValueError):
        sliced_wasserstein(torch.zeros(10, 2), torch.zeros(10, 2), p=3)


def test_noise_floor_shrinks_like_one_over_sqrt_n():
    g = torch.Generator().manual_seed(2)

    def draw(n):
        return torch.randn(n, 2, generator=g)

    small, large = noise_floor(draw, 400, n_pairs=8), noise_floor(draw, 6400, n_pairs=8)
    assert 2.5 < small / large < 6.5  # sqrt(16) = 4, with Monte Carlo slack


def test_mean_sw_to_equals_the_mean_of_pairwise_sw():
    g = torch.Generator().manual_seed(4)
    refs = [torch.randn(300, 2, generator=g) for _ in range(3)]
    x = 1.3 * torch.randn(300, 2, generator=g)
    expected = np.mean([sliced_wasserstein(x, r, n_projections=32) for r in refs])
    assert mean_sw_to(refs, n_projections=32)(x) == pytest.approx(expected, rel=1e-12)
