"""Position encodings for attention: rotary (RoPE) and additive sinusoidal.

    cos, sin = rope_cos_sin(torch.arange(T), d)        # (T, d) each, half-split layout
    q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)   # q, k: (..., T, d)
    p = sinusoidal_pe(torch.arange(T), d)              # (T, d), added to token embeddings

RoPE rotates the pair of coordinates (x_i, x_{i+d/2}) by the angle m * theta_i at
position m, theta_i = base^(-2i/d), i = 0 .. d/2 - 1 (Su et al. 2021). This is the
half-split pairing of GPT-NeoX and the Hugging Face LLaMA port; RoFormer's paper and
Meta's original LLaMA code pair neighbours (x_{2i}, x_{2i+1}) instead. Permuting
the last dimension from (x0, x1, x2, ...) to (x0, x2, ..., x1, x3, ...) in q and k (or
in the rows of W_q and W_k, per head) makes the two conventions give the same attention
scores (tests/test_snippets_attention.py checks it).
"""

import torch


def rope_frequencies(d: int, base: float = 10_000.0, device=None) -> torch.Tensor:
    """theta_i = base^(-2i/d) for i = 0 .. d/2 - 1, float64, shape (d/2,)."""
    if d % 2:
        raise ValueError(f"RoPE needs an even dimension, got {d}")
    return base ** (-torch.arange(0, d, 2, dtype=torch.float64, device=device) / d)


def rope_cos_sin(positions: torch.Tensor, d: int, base: float = 10_000.0, dtype=torch.float32):
    """cos and sin of the angles m * theta_i, each (T, d) in the half-split layout [angles, angles].

    The angles are formed in float64 and only then cast, so float32 users lose
    no accuracy at large positions through the product m * theta_i.
    """
    theta = rope_frequencies(d, base, positions.device)  # (d/2,)
    angle = positions.to(torch.float64)[:, None] * theta  # (T, d/2)
    angle = torch.cat([angle, angle], dim=-1)  # (T, d)
    return angle.cos().to(dtype), angle.sin().to(dtype)


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """(x1, x2) -> (-x2, x1) on the two halves of the last dimension: a quarter turn of every pair."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate each half-split pair of x (..., T, d) by its angle: R_m x = x * cos + rotate_half(x) * sin."""
    return x * cos + rotate_half(x) * sin


def sinusoidal_pe(positions: torch.Tensor, d: int, base: float = 10_000.0) -> torch.Tensor:
    """Vaswani et al. (2017): p_{m,2i} = sin(m theta_i), p_{m,2i+1} = cos(m theta_i); (T, d) float64."""
    angle = positions.to(torch.float64)[:, None] * rope_frequencies(d, base, positions.device)  # (T, d/2)
    return torch.stack([angle.sin(), angle.cos()], dim=-1).flatten(-2)  # (T, d), interleaved sin/cos
