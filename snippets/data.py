"""Toy data sets for the diffusion notebooks.

    rng = np.random.RandomState(0)
    x = swiss_roll(5000, rng, noise=0.5)      # (5000, 2), mean 0 and unit variance per axis
    gmm = GMM(weights, means, covs)           # a Gaussian mixture with exact scores after noising
    eps = gmm.eps(x_t, alpha_bar_t)           # the ideal eps-prediction E[eps | x_t]

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


class GMM:
    """A Gaussian mixture p(x) = sum_k w_k N(x; m_k, C_k) with exact densities and scores after noising.

        gmm = GMM(weights, means, covs)              # (K,), (K, d), (K, d, d); stored in float64
        x0 = gmm.sample(5000, seed=0)                 # (5000, d)
        gmm.logpdf(x, a, b), gmm.score(x, a, b)       # log-density / score of a x_0 + b z, z ~ N(0, I)
        gmm.eps(x_t, alpha_bar_t)                     # E[eps | x_t] for VP noising, x_t = sqrt(abar) x_0 + sqrt(1 - abar) eps
        gmm.denoiser(y, sigma)                        # E[x_0 | y] for VE noising, y = x_0 + sigma z

    a x_0 + b z is again a mixture, with means a m_k and covariances a^2 C_k + b^2 I; a and b
    are numbers or (B,) tensors (one noise level per point). Results come back in x's dtype.
    """

    def __init__(self, weights, means, covs, device="cpu"):
        f64 = dict(dtype=torch.float64, device=device)
        self.weights = torch.as_tensor(weights, **f64) / torch.as_tensor(weights, **f64).sum()  # (K,)
        self.means = torch.as_tensor(means, **f64)  # (K, d)
        self.covs = torch.as_tensor(covs, **f64)  # (K, d, d)
        self.dim = self.means.shape[1]

    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """n draws, shape (n, d), float64, from a generator seeded with `seed`."""
        g = torch.Generator().manual_seed(seed)
        k = torch.multinomial(self.weights.cpu(), n, replacement=True, generator=g)  # (n,) components
        z = torch.randn(n, self.dim, 1, generator=g, dtype=torch.float64)
        chol = torch.linalg.cholesky(self.covs.cpu())  # (K, d, d)
        x = self.means.cpu()[k] + (chol[k] @ z)[..., 0]
        return x.to(self.means.device)

    def _noised(self, a, b):
        """Means (..., K, d) and covariances (..., K, d, d) of a x_0 + b z; `...` is () or (B,)."""
        a = torch.as_tensor(a, dtype=torch.float64, device=self.means.device)
        b = torch.as_tensor(b, dtype=torch.float64, device=self.means.device)
        eye = torch.eye(self.dim, dtype=torch.float64, device=self.means.device)
        means = a[..., None, None] * self.means
        covs = a[..., None, None, None] ** 2 * self.covs + b[..., None, None, None] ** 2 * eye
        return means, covs

    def _log_components(self, x, a, b):
        """log w_k + log N(x; a m_k, S_k) with S_k = a^2 C_k + b^2 I, shape (B, K), and S_k^{-1} (x - a m_k), (B, K, d)."""
        means, covs = self._noised(a, b)
        prec = torch.linalg.inv(covs)  # (..., K, d, d)
        diff = x.double()[:, None, :] - means  # (B, K, d)
        pd = torch.einsum("kij,bkj->bki" if prec.dim() == 3 else "bkij,bkj->bki", prec, diff)  # (B, K, d)
        maha = torch.einsum("bki,bki->bk", diff, pd)  # (B, K)
        log_n = -0.5 * (maha + torch.logdet(covs) + self.dim * math.log(2 * math.pi))
        return torch.log(self.weights) + log_n, pd

    def logpdf(self, x, a=1.0, b=0.0) -> torch.Tensor:
        """log density of a x_0 + b z at x: (B, d) -> (B,)."""
        log_c, _ = self._log_components(x, a, b)
        return torch.logsumexp(log_c, dim=-1).to(x.dtype)

    def score(self, x, a=1.0, b=0.0) -> torch.Tensor:
        """grad_x log density of a x_0 + b z: (B, d) -> (B, d), = -sum_k r_k(x) S_k^{-1} (x - a m_k)."""
        log_c, pd = self._log_components(x, a, b)
        r = torch.softmax(log_c, dim=-1)  # (B, K) responsibilities
        return -torch.einsum("bk,bkd->bd", r, pd).to(x.dtype)

    def eps(self, x, alpha_bar) -> torch.Tensor:
        """E[eps | x_t = x] = -sqrt(1 - abar) * score of x_t (VP noising); alpha_bar: number or (B,)."""
        ab = torch.as_tensor(alpha_bar, dtype=torch.float64, device=self.means.device)
        s = (1 - ab).sqrt()
        return (-s[..., None] * self.score(x, ab.sqrt(), s).double()).to(x.dtype)

    def denoiser(self, y, sigma) -> torch.Tensor:
        """E[x_0 | x_0 + sigma z = y] = y + sigma^2 * score (Tweedie); sigma: number or (B,)."""
        sig = torch.as_tensor(sigma, dtype=torch.float64, device=self.means.device)
        return (y.double() + sig[..., None] ** 2 * self.score(y, 1.0, sig).double()).to(y.dtype)
