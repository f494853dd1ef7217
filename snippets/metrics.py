"""Sample-based distances between point clouds.

    sw = sliced_wasserstein(samples, held_out)          # fixed, seeded projections
    floor = noise_floor(lambda n: draw(n), n=5000)       # SW of two independent data draws

The sliced Wasserstein distance projects both clouds on L fixed random unit
directions and averages the 1D Wasserstein distances, which for two clouds of
equal size are computed exactly by sorting:

    SW_p(x, y) = ( (1/L) sum_l W_p^p(<theta_l, x>, <theta_l, y>) )^(1/p).

The directions come from a seeded generator, so the distance is a deterministic
function of the two clouds and numbers from different cells compare fairly.
"""

import numpy as np
import torch


def random_directions(n_projections: int, dim: int, seed: int = 0) -> torch.Tensor:
    """n_projections unit vectors, uniform on the sphere in R^dim, float64 on the CPU."""
    g = torch.Generator().manual_seed(seed)
    theta = torch.randn(n_projections, dim, generator=g, dtype=torch.float64)
    return theta / theta.norm(dim=1, keepdim=True)  # (L, dim)


def sorted_projections(x: torch.Tensor, n_projections: int = 256, seed: int = 0) -> torch.Tensor:
    """(L, n): the cloud x (n, dim) projected on the seeded directions and sorted, i.e. its 1D quantiles.

    Sort a reference cloud once and compare many clouds with it through `sliced_wasserstein_sorted`.
    """
    theta = random_directions(n_projections, x.shape[1], seed).to(x.device)
    proj = theta @ x.double().T  # (L, n)
    if proj.device.type == "cpu":  # numpy's sort is ~4x faster than torch.sort on a CPU
        return torch.from_numpy(np.sort(proj.numpy(), axis=1))
    return torch.sort(proj, dim=1).values


def sliced_wasserstein_sorted(px: torch.Tensor, py: torch.Tensor, p: int = 2) -> float:
    """SW_p from two `sorted_projections` of equally sized clouds (same directions)."""
    if px.shape != py.shape:
        raise ValueError(f"need projections of the same shape, got {tuple(px.shape)} and {tuple(py.shape)}")
    if p not in (1, 2):
        raise ValueError(f"p must be 1 or 2, got {p}")
    wp = (px - py).abs().pow(p).mean(dim=1)  # (L,): W_p^p along each direction
    return float(wp.mean() ** (1.0 / p))


def sliced_wasserstein(x: torch.Tensor, y: torch.Tensor, n_projections: int = 256, seed: int = 0,
                       p: int = 2) -> float:
    """Sliced p-Wasserstein distance between two equally sized clouds x, y of shape (n, dim)."""
    if x.shape != y.shape or x.dim() != 2:
        raise ValueError(f"need two (n, dim) clouds of the same shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    return sliced_wasserstein_sorted(sorted_projections(x, n_projections, seed),
                                     sorted_projections(y, n_projections, seed), p)


def mean_sw_to(references, n_projections: int = 256, seed: int = 0):
    """x -> mean SW_2 between x and each cloud in `references` (all the same size).

    The references' projections are sorted once, so comparing many sample sets with the
    same held-out sets costs one sort per sample set.
    """
    sorted_refs = [sorted_projections(r, n_projections, seed) for r in references]

    def sw(x: torch.Tensor) -> float:
        px = sorted_projections(x, n_projections, seed)
        return sum(sliced_wasserstein_sorted(px, r) for r in sorted_refs) / len(sorted_refs)

    return sw


def noise_floor(sample, n: int, n_pairs: int = 1, **sw_kwargs) -> float:
    """Mean SW between two independent draws of n points each, over n_pairs pairs.

    sample: a callable n -> (n, dim) tensor that returns a fresh draw of the data on
    every call. No model can be told apart from the data by SW below this level
    with n points per cloud.
    """
    values = [sliced_wasserstein(sample(n), sample(n), **sw_kwargs) for _ in range(n_pairs)]
    return sum(values) / n_pairs
