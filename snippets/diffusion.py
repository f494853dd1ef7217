"""Gaussian diffusion in discrete time (Ho et al. 2020): schedule, noising, L_simple training, ancestral sampling.

    beta, alpha, alpha_bar = linear_schedule(T=1000, device=device)   # (T+1,) float64, alpha_bar[0] = 1
    x_t = q_sample(x0, t, torch.randn_like(x0), alpha_bar)            # x0: (B, d), t: (B,) ints in 1..T
    losses = train(net, lambda: x_train[idx()], alpha_bar, steps=3000, lr=1e-2)
    x0_gen = p_sample_loop(net, torch.randn(5000, 2), alpha_bar, var="beta")   # T ancestral steps

Conventions. Time steps are integers 1 <= t <= T. Schedule arrays are stored from
index 0 with beta[0] = 0 and alpha_bar[0] = 1, so `alpha_bar[t - 1]` in code is
abar_{t-1} in the formulas. An eps-model is any callable
`eps_model(x_t, t) -> eps` with x_t: (B, d) and t: (B,) integer steps, e.g. a TimeMLP.

Everything below depends on the schedule only through alpha_bar: a step from t down
to any s < t uses the effective one-step beta = 1 - alpha_bar_t / alpha_bar_s, which is
beta_t itself when s = t - 1. This is what lets the same sampler run on a subsequence
of the steps ("strided" DDPM).
"""

import math
from itertools import pairwise

import torch


def linear_schedule(T: int = 1000, beta_1: float = 1e-4, beta_T: float = 0.02, device="cpu"):
    """Linear betas from beta_1 to beta_T (Ho et al. 2020); returns beta, alpha, alpha_bar, each (T+1,) float64."""
    f64 = dict(dtype=torch.float64, device=device)
    beta = torch.cat([torch.zeros(1, **f64), torch.linspace(beta_1, beta_T, T, **f64)])  # beta[0] unused
    alpha = 1 - beta
    alpha_bar = torch.cumprod(alpha, dim=0)  # alpha_bar[0] = 1
    return beta, alpha, alpha_bar


def q_sample(x0, t, eps, alpha_bar):
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps;  x0, eps: (B, d), t: (B,) ints."""
    ab = alpha_bar[t].to(x0.dtype)[:, None]  # (B, 1)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * eps


def loss_simple(eps_model, x0, alpha_bar):
    """L_simple = E_{t, eps} || eps - eps_theta(x_t, t) ||^2 with t ~ U{1..T}, on the batch x0: (B, d)."""
    T = len(alpha_bar) - 1
    t = torch.randint(1, T + 1, (x0.shape[0],), device=x0.device)
    eps = torch.randn_like(x0)
    return ((eps_model(q_sample(x0, t, eps, alpha_bar), t) - eps) ** 2).mean()


def train(net, draw_batch, alpha_bar, steps: int, lr: float, warmup: int = 100):
    """Minimise L_simple with Adam, a linear warm-up over `warmup` steps and cosine decay; returns the losses.

    draw_batch: a callable () -> (B, d) batch of data x_0.
    """
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min(1.0, (i + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * i / steps)))
    losses = []
    for _ in range(steps):
        loss = loss_simple(net, draw_batch(), alpha_bar)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


def p_mean(xt, t: int, s: int, eps, alpha_bar):
    """Mean of the ancestral step x_t -> x_s (s < t) with eps plugged in for the noise:

    mu = (x_t - beta / sqrt(1 - abar_t) * eps) / sqrt(alpha),  alpha = abar_t / abar_s,  beta = 1 - alpha,
    which is the posterior mean of q(x_s | x_t, x_0) at x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t).
    t and s may also be (B,) tensors, one step per row of xt.
    """
    a = alpha_bar[t] / alpha_bar[s]
    coef = (1 - a) / (1 - alpha_bar[t]).sqrt()
    if torch.is_tensor(a) and a.dim():  # (B,) -> (B, 1), broadcast over the coordinates
        a, coef = a[:, None], coef[:, None]
    return (xt - coef.to(xt.dtype) * eps) / a.sqrt().to(xt.dtype)


def p_variance(t: int, s: int, alpha_bar, var: str):
    """sigma^2 of the step x_t -> x_s: "beta" = 1 - abar_t / abar_s, or "beta_tilde" = (1 - abar_s) / (1 - abar_t) * beta."""
    b = 1 - alpha_bar[t] / alpha_bar[s]
    if var == "beta":
        return b
    if var == "beta_tilde":
        return (1 - alpha_bar[s]) / (1 - alpha_bar[t]) * b
    raise ValueError(f"var must be 'beta' or 'beta_tilde', got {var!r}")


@torch.no_grad()
def p_sample(eps_model, xt, t: int, s: int, alpha_bar, var: str = "beta"):
    """One ancestral step x_t -> x_s ~ N(mu_theta(x_t, t), sigma^2 I); no noise on the last step (s = 0)."""
    tt = torch.full((xt.shape[0],), t, device=xt.device)
    mean = p_mean(xt, t, s, eps_model(xt, tt), alpha_bar)
    if s == 0:
        return mean
    return mean + p_variance(t, s, alpha_bar, var).sqrt().to(xt.dtype) * torch.randn_like(xt)


@torch.no_grad()
def p_sample_loop(eps_model, x, alpha_bar, var: str = "beta", timesteps=None, keep=()):
    """Ancestral sampling from x = x_T, shape (n, d), down to x_0.

    timesteps: decreasing steps T = t_S > ... > t_1 >= 1 to visit (default: all T of them, the
    DDPM sampler); the chain then goes t_S -> t_{S-1} -> ... -> t_1 -> 0.
    Returns x_0, and the snapshots {t: x_t} for the steps t listed in keep.
    """
    T = len(alpha_bar) - 1
    steps = list(range(T, 0, -1)) if timesteps is None else [int(t) for t in timesteps]
    if steps[0] != T or any(b >= a for a, b in pairwise(steps)) or steps[-1] < 1:
        raise ValueError("timesteps must decrease from T and stay >= 1")
    snaps = {T: x} if T in keep else {}
    for t, s in pairwise(steps + [0]):
        x = p_sample(eps_model, x, t, s, alpha_bar, var)
        if s in keep:
            snaps[s] = x
    return x, snaps
