"""snippets/timemlp.py: the sinusoidal time embedding and the MLP's shapes."""

import math

import pytest
import torch

from snippets.timemlp import TimeMLP, timestep_embedding


def test_embedding_against_its_formula():
    t = torch.tensor([0.0, 1.0, 37.0])
    emb = timestep_embedding(t, 8)
    freqs = [10_000 ** (-k / 4) for k in range(4)]
    expected = torch.tensor([[math.cos(s * w) for w in freqs] + [math.sin(s * w) for w in freqs] for s in t.tolist()])
    torch.testing.assert_close(emb, expected)


def test_embedding_tells_steps_apart():
    emb = timestep_embedding(torch.arange(1000), 32)
    assert torch.cdist(emb, emb).add(torch.eye(1000) * 10).min() > 1e-3


def test_odd_embedding_dim_is_refused():
    with pytest.raises(ValueError, match="even"):
        timestep_embedding(torch.zeros(2), 7)


def test_mlp_shapes_and_time_dependence():
    net = TimeMLP(dim=3, hidden=16, depth=2, emb_dim=8, out_dim=5)
    x = torch.randn(4, 3)
    assert net(x, torch.zeros(4)).shape == (4, 5)
    assert not torch.allclose(net(x, torch.zeros(4)), net(x, torch.full((4,), 500.0)))
