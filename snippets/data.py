"""Toy data sets for the diffusion notebooks.

    rng = np.random.RandomState(0)
    x = swiss_roll(5000, rng, noise=0.5)      # (5000, 2), mean 0 and unit variance per axis

`swiss_roll` keeps the x and z coordinates of sklearn's `make_swiss_roll` and
standardises them with the *population* mean and standard deviation (computed
once by quadrature), not with the statistics of the draw itself, so two draws
are independent samples of one fixed distribution.
"""

import math
from functools import cache

import numpy as np
import torch
from scipy.integrate import quad
from sklearn.datasets import make_swiss_roll

# make_swiss_roll draws the roll angle s = 1.5*pi*(1 + 2u), u ~ U(0, 1), and places
# the point at (s cos s, s sin s) in the x-z plane.
S_LOW, S_HIGH = 1.5 * math.pi, 4.5 * math.pi


@cache
def swiss_roll_moments(noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Population mean and standard deviation of (x, z) of make_swiss_roll, by quadrature."""
    width = S_HIGH - S_LOW

    def expect(f):  # E[f(s)] for s ~ U(S_LOW, S_HIGH)
        return quad(f, S_LOW, S_HIGH, limit=200, epsabs=1e-12, epsrel=1e-12)[0] / width

    mean = np.array([expect(lambda s: s * math.cos(s)), expect(lambda s: s * math.sin(s))])
    second = np.array([expect(lambda s: (s * math.cos(s)) ** 2), expect(lambda s: (s * math.sin(s)) ** 2)])
    var = second - mean**2 + noise**2  # the Gaussian noise is independent of s
    return mean, np.sqrt(var)


def swiss_roll(n: int, rng, noise: float = 0.0, device="cpu", dtype=torch.float32) -> torch.Tensor:
    """n points of the standardised 2D swiss roll, shape (n, 2).

    rng: an int seed or a np.random.RandomState; passing the same RandomState to
    successive calls gives independent draws.
    """
    x3, _ = make_swiss_roll(n_samples=n, noise=noise, random_state=rng)
    xz = x3[:, [0, 2]]  # (n, 2)
    mean, std = swiss_roll_moments(float(noise))
    return torch.as_tensor((xz - mean) / std, dtype=dtype, device=device)
