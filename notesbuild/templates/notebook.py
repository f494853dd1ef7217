"""The cells of a new notebook (`make new-post`): (kind, source) pairs, filled with str.format."""

CELLS = [
    ("markdown", """\
# {title}：数值验证

本 notebook 配合文章《{title}》：每一节对应文章的一步，最后一节检验文中的公式。"""),
    ("code", """\
from snippets.runtime import by_profile, setup

device, profile = setup(seed=0)

import matplotlib.pyplot as plt
import torch

from snippets.checks import check_fails, check_mc
from snippets.report import publish
from snippets.viz import show

N_SAMPLES = by_profile(quick=20_000, full=1_000_000)  # every size the page quotes is published below
MU, SIGMA = 1.5, 0.7"""),
    ("markdown", """\
## 1. 样本方差

从 $\\mathcal N(\\mu,\\sigma^2)$ 抽样，看 $(x-\\mu)^2$ 的样本均值如何收敛到 $\\sigma^2$。"""),
    ("code", """\
gen = torch.Generator(device=device).manual_seed(0)
x = MU + SIGMA * torch.randn(N_SAMPLES, generator=gen, dtype=torch.float64, device=device)
sq = (x - MU) ** 2  # (N,)
running = sq.cumsum(0) / torch.arange(1, N_SAMPLES + 1, device=device)


def variance_figure():
    fig, ax = plt.subplots()
    ax.plot(torch.arange(1, N_SAMPLES + 1).cpu(), running.cpu(), lw=1, label="running mean of $(x-\\\\mu)^2$")
    ax.axhline(SIGMA**2, color="k", ls="--", lw=1, label="$\\\\sigma^2$")
    ax.set_xscale("log")
    ax.set_xlabel("samples")
    ax.legend()
    return fig


show(variance_figure(), "{slug}-variance")"""),
    ("markdown", """\
## 检验

每个检验与独立的计算比较，每组有一个必须失败的负对照。"""),
    ("code", """\
se = sq.std() / N_SAMPLES**0.5
variance_z = check_mc("E[(x - mu)^2] = sigma^2", sq.mean(), SIGMA**2, se, k=4, eq="{slug}-variance")
check_fails("E[(x - mu)^2] = sigma (not squared)",
            lambda: check_mc("E[(x - mu)^2] = sigma", sq.mean(), SIGMA, se, k=4))"""),
    ("markdown", "## 页面引用的数字"),
    ("code", "publish(n_samples=N_SAMPLES, variance_z=variance_z)"),
]
