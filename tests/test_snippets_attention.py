"""snippets/attention.py against independent computations (explicit 2x2 rotations, complex numbers, math.sin)."""

import math

import pytest
import torch

from snippets.attention import (
    apply_rope,
    rope_cos_sin,
    rope_frequencies,
    rotate_half,
    sinusoidal_pe,
)

D = 16


def test_frequencies_endpoints():
    theta = rope_frequencies(D)
    assert theta.shape == (D // 2,)
    assert theta[0].item() == 1.0
    assert abs(theta[-1].item() - 10_000 ** (-(D - 2) / D)) < 1e-15
    assert bool((theta[1:] < theta[:-1]).all())


def test_odd_dimension_rejected():
    with pytest.raises(ValueError):
        rope_frequencies(7)


def test_rotate_half_is_a_quarter_turn():
    x = torch.randn(3, D, dtype=torch.float64)
    assert torch.equal(rotate_half(rotate_half(x)), -x)
    assert torch.allclose((x * rotate_half(x)).sum(-1), torch.zeros(3, dtype=torch.float64), atol=1e-12)


def test_apply_rope_rotates_each_half_split_pair():
    torch.manual_seed(0)
    x = torch.randn(5, D, dtype=torch.float64)
    pos = torch.tensor([0, 1, 7, 100, 4096])
    cos, sin = rope_cos_sin(pos, D, dtype=torch.float64)
    y = apply_rope(x, cos, sin)
    h = D // 2
    for t, m in enumerate(pos.tolist()):
        for i in range(h):
            a = m * 10_000 ** (-2 * i / D)
            x1, x2 = x[t, i].item(), x[t, i + h].item()
            assert abs(y[t, i].item() - (math.cos(a) * x1 - math.sin(a) * x2)) < 1e-12
            assert abs(y[t, i + h].item() - (math.sin(a) * x1 + math.cos(a) * x2)) < 1e-12


def test_scores_depend_on_offset_only():
    torch.manual_seed(1)
    q, k = torch.randn(2, D, dtype=torch.float64)
    pos = torch.arange(64)
    cos, sin = rope_cos_sin(pos, D, dtype=torch.float64)
    qm = apply_rope(q.expand(64, D), cos, sin)  # (64, D)
    kn = apply_rope(k.expand(64, D), cos, sin)
    scores = qm @ kn.T  # (m, n)
    for m, n in [(0, 5), (10, 15), (40, 45), (50, 3), (63, 16)]:
        assert abs(scores[m, n] - scores[m - min(m, n), n - min(m, n)]) < 1e-12


def interleaved_to_half(x: torch.Tensor) -> torch.Tensor:
    """Permute the last dimension from (x0, x1, x2, x3, ...) to (x0, x2, ..., x1, x3, ...)."""
    return torch.cat([x[..., 0::2], x[..., 1::2]], dim=-1)


def test_half_split_equals_interleaved_complex_after_permutation():
    torch.manual_seed(2)
    x = torch.randn(4, D, dtype=torch.float64)
    pos = torch.tensor([0, 3, 50, 999])
    angle = pos.double()[:, None] * rope_frequencies(D)  # (4, D/2)
    z = torch.view_as_complex(x.reshape(4, D // 2, 2).contiguous()) * torch.exp(1j * angle)
    interleaved = torch.view_as_real(z).reshape(4, D)
    cos, sin = rope_cos_sin(pos, D, dtype=torch.float64)
    assert torch.allclose(apply_rope(interleaved_to_half(x), cos, sin), interleaved_to_half(interleaved), atol=1e-12)
    # without the permutation the two conventions disagree
    assert (apply_rope(x, cos, sin) - interleaved).abs().max() > 0.1


def test_sinusoidal_pe_values_and_dot_products():
    pos = torch.tensor([0, 1, 37])
    p = sinusoidal_pe(pos, D)
    for t, m in enumerate(pos.tolist()):
        for i in range(D // 2):
            a = m / 10_000 ** (2 * i / D)
            assert abs(p[t, 2 * i].item() - math.sin(a)) < 1e-12
            assert abs(p[t, 2 * i + 1].item() - math.cos(a)) < 1e-12
    # p_m . p_n = sum_i cos((m - n) theta_i)
    expected = torch.cos(36 * rope_frequencies(D)).sum()
    assert abs((p[1] @ p[2]) - expected) < 1e-12
