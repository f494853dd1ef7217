"""Notebook runtime: the profile knob, seeds, threads and device, set in one call.

    from snippets.runtime import setup, by_profile
    device, profile = setup(seed=0)
    n_steps = by_profile(quick=3000, full=20000)

NOTES_PROFILE is `quick` (default: under a minute on a 2-core CPU) or `full`
(bigger runs for a GPU runner); the checks of a notebook hold in both.
"""

import os
import platform
import random

import numpy as np
import torch
from IPython.display import display

from snippets.protocol import STAMP_MIME  # read by the build for the reproducibility stamp

PROFILES = ("quick", "full")


def current_profile() -> str:
    profile = os.environ.get("NOTES_PROFILE", "quick")
    if profile not in PROFILES:
        raise ValueError(f"NOTES_PROFILE={profile!r}: expected one of {PROFILES}")
    return profile


def by_profile(quick, full):
    """The value for the current profile."""
    return quick if current_profile() == "quick" else full


def seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def device_name(device: str) -> str:
    """The GPU's name, or the CPU's model where the system tells it."""
    if device == "cuda":
        return torch.cuda.get_device_name(0)
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        model = ""
    return f"CPU: {model or platform.processor() or platform.machine()}"


def setup(seed: int = 0):
    """Seed everything, cap CPU threads, pick the device; returns (device, profile).

    Shows one line (profile, device, versions, seed) that the build also keeps as the
    notebook's reproducibility stamp.
    """
    seed_all(seed)
    threads = int(os.environ.get("NOTES_THREADS", "1"))  # the site's numbers come from 1 thread
    torch.set_num_threads(threads)
    # Same inputs, same numbers: deterministic kernels where torch has them (on a GPU, cuBLAS
    # needs the workspace setting before its first use). Results may still differ between
    # devices and thread counts, which is why both are in the stamp.
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    profile = current_profile()
    stamp = {"profile": profile, "device": device_name(device), "threads": threads, "torch": torch.__version__,
             "numpy": np.__version__, "python": platform.python_version(), "seed": seed}
    text = (f"profile={profile} device={stamp['device']} threads={threads} torch={torch.__version__} "
            f"numpy={np.__version__} seed={seed}")
    display({"text/plain": text, STAMP_MIME: stamp}, raw=True)
    return device, profile
