"""Who meets whom this week, by context, as arrays of (u, v) resident-slot pairs.

Every generator draws a Poisson number of encounters per person and picks partners
with index arithmetic on residents sorted by group (household, workplace, school
class, place, district) or by home cell, so a week's meetings for the whole town cost
a handful of array operations. Age homophily thins encounters between people far
apart in age (McPherson, Smith-Lovin & Cook 2001).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.tie_kernels import counting_order

_EMPTY = np.empty(0, np.int64)


@dataclass
class GroupIndex:
    """Members sorted by group id, with each group's start and size."""

    members: np.ndarray  # slots sorted by group
    start: np.ndarray  # per member: start of its group in ``members``
    size: np.ndarray  # per member: size of its group
    pos: np.ndarray  # per member: its own position in ``members``
    order: np.ndarray  # positions in the input arrays, in sorted order
    first: np.ndarray  # start of each group
    group: np.ndarray  # id of each group

    @classmethod
    def build(cls, members: np.ndarray, groups: np.ndarray) -> GroupIndex:
        """Group ``members`` by non-negative integer ``groups`` (a linear counting sort)."""
        groups = np.asarray(groups, np.int64)
        n_groups = int(groups.max()) + 1 if len(groups) else 0
        order, _ = counting_order(groups, n_groups)
        m = np.asarray(members, np.int64)[order]
        g = np.asarray(groups)[order]
        if len(g) == 0:
            return cls(m, _EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY, _EMPTY)
        first = np.flatnonzero(np.concatenate(([True], g[1:] != g[:-1])))
        sizes = np.diff(np.append(first, len(g)))
        return cls(
            m, np.repeat(first, sizes), np.repeat(sizes, sizes), np.arange(len(g)),
            order, first, g[first],
        )  # fmt: skip


def within_groups(index: GroupIndex, contacts: float, rng: np.random.Generator):
    """Each member meets a Poisson(contacts) number of others from its own group."""
    if len(index.members) == 0 or contacts <= 0:
        return _EMPTY, _EMPTY
    n = rng.poisson(contacts, size=len(index.members))
    n[index.size < 2] = 0
    who = np.repeat(np.arange(len(index.members)), n)
    start, size, pos = index.start[who], index.size[who], index.pos[who]
    r = (rng.random(len(who)) * (size - 1)).astype(np.int64)
    r += (start + r) >= pos  # skip oneself
    return index.members[who], index.members[start + r]


def all_pairs(index: GroupIndex):
    """Every pair within every group (households meet in full each week)."""
    later = index.start + index.size - 1 - index.pos  # members after me in my group
    total = int(later.sum())
    if total == 0:
        return _EMPTY, _EMPTY
    u_pos = np.repeat(index.pos, later)
    step = np.arange(total) - np.repeat(np.cumsum(later) - later, later) + 1
    return index.members[u_pos], index.members[u_pos + step]


@dataclass
class CellIndex:
    """Residents sorted by home cell, for picking random neighbours in O(1)."""

    members: np.ndarray
    start: np.ndarray  # per cell
    count: np.ndarray  # per cell

    @classmethod
    def build(cls, idx: np.ndarray, cell: np.ndarray, n_cells: int) -> CellIndex:
        order, start = counting_order(np.asarray(cell, np.int64), n_cells)
        return cls(np.asarray(idx, np.int64)[order], start[:-1], np.diff(start))


def neighbourhood(
    idx: np.ndarray,
    home: np.ndarray,
    rate: np.ndarray,
    cells: CellIndex,
    width: int,
    height: int,
    radius: int,
    same_block_share: float,
    rng: np.random.Generator,
):
    """Chance meetings near home: in one's own block, or a block within ``radius``."""
    n = rng.poisson(rate)
    who = np.repeat(np.arange(len(idx)), n)
    if len(who) == 0:
        return _EMPTY, _EMPTY
    x, y = np.divmod(home[who], height)
    away = rng.random(len(who)) >= same_block_share
    side = 2 * radius + 1
    # uniform over the ring of cells around home, excluding home itself
    off = rng.integers(0, side * side - 1, size=len(who))
    off += off >= (side * side) // 2
    dx = np.where(away, off // side - radius, 0)
    dy = np.where(away, off % side - radius, 0)
    tx, ty = x + dx, y + dy
    inside = (tx >= 0) & (tx < width) & (ty >= 0) & (ty < height)
    who, tx, ty = who[inside], tx[inside], ty[inside]
    target = tx * height + ty
    cnt = cells.count[target]
    has = cnt > 0
    who, target, cnt = who[has], target[has], cnt[has]
    pick = cells.members[cells.start[target] + (rng.random(len(who)) * cnt).astype(np.int64)]
    u = idx[who]
    keep = pick != u
    return u[keep], pick[keep]


def homophily(u, v, age: np.ndarray, scale: float, rng: np.random.Generator):
    """Keep an encounter with probability exp(-|age gap| / scale)."""
    if len(u) == 0 or scale <= 0:
        return u, v
    keep = rng.random(len(u)) < np.exp(-np.abs(age[u] - age[v]) / scale)
    return u[keep], v[keep]
