"""Fixed-grid solvers for the ODEs and SDEs of the diffusion and flow notebooks.

    xs = ode_solve(f, x, ts, method="heun")            # dx/dt = f(x, t) along the grid ts
    x = sde_solve(drift, g, x, ts, generator=gen)       # dx = drift(x, t) dt + g(t) dw (Euler-Maruyama)

The grid may run forwards or backwards in time (a reverse-time sampler passes a
decreasing grid; dt is then negative and the Brownian increment has variance |dt|).
`ode_solve` counts network calls: `nfe(len(ts) - 1, method)` is what a run costs, with
Heun's last step optionally an Euler step (`last_euler=True`, as in Karras et al. 2022,
Alg. 1, where the field is undefined at sigma = 0).
"""

from itertools import pairwise

import torch


def nfe(n_steps: int, method: str, last_euler: bool = False) -> int:
    """Field evaluations of `n_steps` steps of `method` ("euler" or "heun")."""
    if method == "euler":
        return n_steps
    if method == "heun":
        return 2 * n_steps - (1 if last_euler else 0)
    raise ValueError(f"method {method!r}: expected 'euler' or 'heun'")


def ode_solve(f, x: torch.Tensor, ts, method: str = "heun", last_euler: bool = False, keep: bool = False):
    """Integrate dx/dt = f(x, t) from ts[0] to ts[-1]; f takes (x (B, d), t float) -> (B, d).

    Returns the end point, or with keep=True the stacked states at every grid time, (len(ts), B, d).
    """
    nfe(1, method)  # validates the method name
    ts = [float(t) for t in ts]
    states = [x]
    for i, (t, t_next) in enumerate(pairwise(ts)):
        dt = t_next - t
        d = f(x, t)
        x_euler = x + dt * d
        if method == "euler" or (last_euler and i == len(ts) - 2):
            x = x_euler
        else:
            x = x + dt * 0.5 * (d + f(x_euler, t_next))
        if keep:
            states.append(x)
    return torch.stack(states) if keep else x


def sde_solve(drift, diffusion, x: torch.Tensor, ts, generator: torch.Generator | None = None, keep: bool = False):
    """Euler-Maruyama for dx = drift(x, t) dt + diffusion(t) dw from ts[0] to ts[-1].

    drift: (x, t) -> (B, d); diffusion: t -> float. With a decreasing grid this integrates a
    reverse-time SDE: x <- x + drift * dt + g * sqrt(|dt|) z.
    """
    ts = [float(t) for t in ts]
    states = [x]
    for t, t_next in pairwise(ts):
        dt = t_next - t
        z = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
        x = x + dt * drift(x, t) + diffusion(t) * abs(dt) ** 0.5 * z
        if keep:
            states.append(x)
    return torch.stack(states) if keep else x
