"""Age homophily applied while pairing within groups, against the NumPy rule it replaced:
pair first, then keep each pair if a fresh uniform is below exp(-whole-year gap / scale)."""

from __future__ import annotations

import numpy as np
import pytest

from model.encounters import GroupIndex, within_groups


def _reference(index, contacts, rng, age, scale):
    u, v = within_groups(index, contacts, rng)
    if len(u) == 0 or scale <= 0:
        return u, v
    table = np.exp(-np.arange(128) / scale)
    gap = np.abs(age[u].astype(np.int64) - age[v].astype(np.int64))
    keep = rng.random(len(u)) < table[np.minimum(gap, 127)]
    return u[keep], v[keep]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(
    ("n", "n_groups", "contacts", "scale"),
    [(0, 1, 2.0, 10.0), (1, 1, 2.0, 10.0), (40, 6, 1.5, 10.0), (300, 20, 3.0, 4.0),
     (300, 20, 3.0, 0.0), (300, 1, 0.0, 10.0), (200, 150, 2.0, 200.0)],
)  # fmt: skip
def test_thinned_pairs_match_pairing_then_numpy_thinning(seed, n, n_groups, contacts, scale):
    r = np.random.default_rng(seed)
    members = np.sort(r.choice(5 * n + 1, n, replace=False))
    groups = r.integers(0, n_groups, n)
    age = r.integers(0, 110, 5 * n + 1).astype(np.int8)
    index = GroupIndex.build(members, groups)
    r1, r2 = np.random.default_rng(seed + 10), np.random.default_rng(seed + 10)
    got = within_groups(index, contacts, r1, age, scale)
    want = _reference(index, contacts, r2, age, scale)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    assert r1.random() == r2.random()  # the same draws consumed
    if n >= 300 and contacts > 0 and 0 < scale < 10:
        assert 0 < len(got[0]) < len(within_groups(index, contacts, np.random.default_rng(0))[0])
