"""snippets/data.py: the standardised swiss roll against sample moments and its own definition."""

import math

import numpy as np
import torch

from snippets.data import S_HIGH, S_LOW, swiss_roll, swiss_roll_moments


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
