"""A tiny Transformer for token sequences, with pluggable masks and position encodings.

    net = TinyTransformer(vocab=14, max_len=12, mask="bidirectional", pe="learned")
    logits = net(tokens)     # tokens: (B, T) integer ids -> (B, T, vocab)

`TinyTransformer` is a pre-LayerNorm Transformer (as in GPT-2) for token
sequences, with the attention mask (bidirectional, causal or any (T, T) boolean
matrix) and the position encoding (learned, sinusoidal, RoPE or none) chosen by
an argument, so that posts can compare them with everything else fixed.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from snippets.attention import apply_rope, rope_cos_sin, sinusoidal_pe


class SelfAttention(nn.Module):
    """Multi-head self-attention; `allowed` (T, T) bool says which key each query may see (None: all)."""

    def __init__(self, d: int, n_heads: int):
        super().__init__()
        if d % n_heads:
            raise ValueError(f"d={d} is not a multiple of n_heads={n_heads}")
        self.n_heads = n_heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor | None, rope: tuple | None) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = (z.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2) for z in (q, k, v))  # (B, nh, T, hs)
        if rope is not None:  # rotate queries and keys by their positions (Su et al. 2021)
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)  # (B, nh, T, hs)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    """Pre-LN residual block: x + attn(LN(x)), then x + MLP(LN(x)) with a GELU MLP of width 4d."""

    def __init__(self, d: int, n_heads: int):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = SelfAttention(d, n_heads)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, allowed, rope):
        x = x + self.attn(self.ln1(x), allowed, rope)
        return x + self.mlp(self.ln2(x))


class TinyTransformer(nn.Module):
    """Token ids (B, T) -> logits (B, T, vocab), T <= max_len.

    mask: "bidirectional" (every position sees every position), "causal" (position i
    sees j <= i) or a (max_len, max_len) bool tensor, True where query i may attend to key j.
    pe: "learned" (a trained vector per position, added), "sinusoidal" (fixed, added),
    "rope" (rotary, applied to queries and keys in every layer) or "none".
    """

    MASKS = ("bidirectional", "causal")
    PES = ("learned", "sinusoidal", "rope", "none")

    def __init__(self, vocab: int, max_len: int, d: int = 64, n_layers: int = 2, n_heads: int = 4,
                 mask="bidirectional", pe: str = "learned"):
        super().__init__()
        if pe not in self.PES:
            raise ValueError(f"pe must be one of {self.PES}, got {pe!r}")
        if isinstance(mask, str):
            if mask not in self.MASKS:
                raise ValueError(f"mask must be one of {self.MASKS} or a bool tensor, got {mask!r}")
            mask = None if mask == "bidirectional" else torch.ones(max_len, max_len, dtype=torch.bool).tril()
        elif mask.shape != (max_len, max_len) or mask.dtype != torch.bool:
            raise ValueError(f"a mask tensor must be bool of shape ({max_len}, {max_len})")
        self.register_buffer("allowed", mask, persistent=False)
        self.pe, self.max_len, self.head_dim = pe, max_len, d // n_heads
        self.tok = nn.Embedding(vocab, d)
        if pe == "learned":
            self.pos = nn.Parameter(0.02 * torch.randn(max_len, d))
        elif pe == "sinusoidal":
            self.register_buffer("pos", sinusoidal_pe(torch.arange(max_len), d).float(), persistent=False)
        else:
            self.pos = None
        self.blocks = nn.ModuleList(Block(d, n_heads) for _ in range(n_layers))
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        T = idx.shape[1]
        if T > self.max_len:
            raise ValueError(f"sequence length {T} exceeds max_len={self.max_len}")
        x = self.tok(idx)  # (B, T, d)
        if self.pos is not None:
            x = x + self.pos[:T].to(x.dtype)
        rope = None
        if self.pe == "rope":
            cos, sin = rope_cos_sin(torch.arange(T, device=idx.device), self.head_dim, dtype=x.dtype)  # (T, hs)
            rope = (cos, sin)
        allowed = None if self.allowed is None else self.allowed[:T, :T]
        for block in self.blocks:
            x = block(x, allowed, rope)
        return self.head(self.ln_f(x))  # (B, T, vocab)
