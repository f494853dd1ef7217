"""snippets/transformer.py: TinyTransformer's masks and position encodings, tested by what they must (not) change."""

import pytest
import torch

from snippets.transformer import TinyTransformer

V, T = 11, 7


def model(**kw):
    torch.manual_seed(0)
    return TinyTransformer(vocab=V, max_len=T, d=32, n_layers=2, n_heads=4, **kw).eval()


def tokens(seed=1, batch=3):
    return torch.randint(0, V, (batch, T), generator=torch.Generator().manual_seed(seed))


def test_shapes_and_shorter_sequences():
    net = model()
    assert net(tokens()).shape == (3, T, V)
    assert net(tokens()[:, :4]).shape == (3, 4, V)
    with pytest.raises(ValueError):
        net(torch.zeros(1, T + 1, dtype=torch.long))


@pytest.mark.parametrize("pe", TinyTransformer.PES)
def test_causal_mask_hides_the_future(pe):
    net, x = model(mask="causal", pe=pe), tokens()
    y = x.clone()
    y[:, 4] = (y[:, 4] + 1) % V  # change the token at position 4
    out_x, out_y = net(x), net(y)
    assert torch.allclose(out_x[:, :4], out_y[:, :4], atol=1e-6), "positions before 4 saw the change"
    assert not torch.allclose(out_x[:, 4:], out_y[:, 4:], atol=1e-3), "positions from 4 on did not see it"


def test_bidirectional_mask_sees_the_future():
    net, x = model(mask="bidirectional"), tokens()
    y = x.clone()
    y[:, -1] = (y[:, -1] + 1) % V
    assert not torch.allclose(net(x)[:, 0], net(y)[:, 0], atol=1e-3)


def test_mask_tensor_matches_named_mask():
    x = tokens()
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    assert torch.allclose(model(mask="causal")(x), model(mask=causal)(x), atol=1e-6)
    block = torch.block_diag(torch.ones(3, 3), torch.ones(4, 4)).bool()  # two documents of 3 and 4 tokens
    net = model(mask=block)
    y = x.clone()
    y[:, 5] = (y[:, 5] + 1) % V
    assert torch.allclose(net(x)[:, :3], net(y)[:, :3], atol=1e-6), "the first document saw the second"


def test_without_positions_attention_is_permutation_equivariant():
    x, perm = tokens(), torch.randperm(T, generator=torch.Generator().manual_seed(2))
    net = model(pe="none")
    assert torch.allclose(net(x)[:, perm], net(x[:, perm]), atol=1e-5)
    for pe in ("learned", "sinusoidal", "rope"):  # every position encoding must break the symmetry
        net = model(pe=pe)
        if pe == "learned":
            torch.nn.init.normal_(net.pos, std=1.0)
        assert not torch.allclose(net(x)[:, perm], net(x[:, perm]), atol=1e-3), f"pe={pe} ignores order"


def window_mask(start: int, width: int) -> torch.Tensor:
    """Causal attention inside positions [start, start + width); every other position sees only itself."""
    allowed = torch.eye(T, dtype=torch.bool)
    allowed[start:start + width, start:start + width] = torch.ones(width, width, dtype=torch.bool).tril()
    return allowed


@pytest.mark.parametrize("pe, invariant", [("rope", True), ("none", True), ("learned", False), ("sinusoidal", False)])
def test_shifting_a_window_changes_only_absolute_encodings(pe, invariant):
    # The same 4 tokens, attended causally among themselves, at positions 0-3 and at 3-6:
    # RoPE scores depend on relative positions only, so the window's last output is the same.
    net = model(mask=window_mask(0, 4), pe=pe)
    if pe == "learned":
        torch.nn.init.normal_(net.pos, std=1.0)
    x = tokens(batch=2)
    w = x[:, :4]
    at0 = torch.cat([w, x[:, 4:]], dim=1)
    at3 = torch.cat([x[:, 4:], w], dim=1)
    out0 = net(at0)[:, 3]
    net.allowed = window_mask(3, 4)
    out3 = net(at3)[:, 6]
    assert torch.allclose(out0, out3, atol=1e-5) == invariant


def test_bad_arguments():
    with pytest.raises(ValueError):
        model(pe="alibi")
    with pytest.raises(ValueError):
        model(mask="prefix")
    with pytest.raises(ValueError):
        model(mask=torch.ones(T, T))  # not bool
