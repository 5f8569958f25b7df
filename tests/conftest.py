"""Shared fixtures."""

from __future__ import annotations

import pytest

from model import KizunaModel
from tests.towns import small_town


@pytest.fixture(scope="module")
def town() -> KizunaModel:
    model = small_town(1200, seed=7)
    for _ in range(10):
        model.step()
    return model
