"""Shared test configuration: hypothesis profiles.

``ci`` (the default) keeps the property tests fast and reproducible; ``thorough`` runs at
least 10,000 cases per property test and explores freshly each run. Choose with
``HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_properties.py``.
Tests that set their own ``max_examples`` keep it under both profiles.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# tests/ on sys.path so that `from reference import ...` and `from strategies import ...` work
# whatever pytest's import mode
sys.path.insert(0, str(Path(__file__).resolve().parent))

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.register_profile(
    "thorough",
    max_examples=10_000,
    deadline=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
