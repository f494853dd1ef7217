"""A time-conditioned MLP for the toy diffusion and flow notebooks.

    net = TimeMLP(dim=2, hidden=128, depth=3)
    eps = net(x_t, t)        # x_t: (B, 2), t: (B,) integer or real timesteps -> (B, 2)

The time step enters through a sinusoidal embedding (Vaswani et al. 2017, as
used by Ho et al. 2020), concatenated with the input: for 2D toy data this is
enough, and the model stays a plain MLP. A real-valued t in [0, 1] (flows) or
a noise level should be scaled first (e.g. 1000 t, or log sigma / 4), since the
embedding's frequencies are made for integer steps.
"""

import math

import torch
import torch.nn as nn


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """Sinusoidal features of t, shape (B,) -> (B, dim): [cos(t w_k), sin(t w_k)], w_k = max_period^(-k/half)."""
    if dim % 2:
        raise ValueError(f"embedding dim must be even, got {dim}")
    half = dim // 2
    k = torch.arange(half, device=t.device, dtype=torch.float32)
    freqs = torch.exp(-math.log(max_period) * k / half)  # (half,), from 1 down to ~1/max_period
    args = t.float()[:, None] * freqs[None, :]  # (B, half)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class TimeMLP(nn.Module):
    """MLP f(x, t): [x, emb(t)] -> depth hidden layers of width `hidden` with SiLU -> out_dim."""

    def __init__(self, dim: int = 2, hidden: int = 128, depth: int = 3, emb_dim: int = 32, out_dim: int | None = None):
        super().__init__()
        self.emb_dim = emb_dim
        layers, width = [], dim + emb_dim
        for _ in range(depth):
            layers += [nn.Linear(width, hidden), nn.SiLU()]
            width = hidden
        layers.append(nn.Linear(width, out_dim if out_dim is not None else dim))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = timestep_embedding(t, self.emb_dim).to(x.dtype)  # (B, emb_dim)
        return self.net(torch.cat([x, emb], dim=1))  # (B, out_dim)
