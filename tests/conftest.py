"""Shared fixtures: where the real data lives, and hypothesis profiles for CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]
# The real sketch files (CC BY / CC BY-NC, not shipped): beside the repository in CI, absent in a
# user's clone, where the tests that need them skip with the reason. STROKEDELTA_REAL_DATA points
# elsewhere (e.g. =/nonexistent to try a bare clone). Test modules import REAL_DATA from here.
REAL_DATA = Path(
    os.environ.get("STROKEDELTA_REAL_DATA") or REPO.parent / "shared" / "data" / "real"
)
#: The repository's own samples (data/README.md), present in every clone.
SAMPLES = REPO / "data"

# CI replays the same examples on every run (a fresh clone has no example database), so a
# submission passes or fails on its code alone; the long fuzz runs (STROKEDELTA_FUZZ_EXAMPLES)
# and local runs explore new inputs.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def real_data() -> Path:
    """The folder of real sketch files (skips the test when it is absent)."""
    if not REAL_DATA.is_dir():
        pytest.skip(
            f"real data folder not found: {REAL_DATA} (set STROKEDELTA_REAL_DATA to its path)"
        )
    return REAL_DATA
