"""Notebook runtime: the profile knob, seeds, threads and device, set in one call.

    from snippets.runtime import setup, by_profile
    device, profile = setup(seed=0)
    n_steps = by_profile(quick=3000, full=20000)

NOTES_PROFILE is `quick` (default: under a minute on a 2-core CPU) or `full`
(bigger runs for a GPU runner); the checks of a notebook hold in both.
"""

import os
import random

import numpy as np
import torch

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


def setup(seed: int = 0):
    """Seed everything, cap CPU threads, pick the device; returns (device, profile)."""
    seed_all(seed)
    torch.set_num_threads(int(os.environ.get("NOTES_THREADS", "2")))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    profile = current_profile()
    print(f"profile={profile} device={device} torch={torch.__version__} seed={seed}")
    return device, profile
