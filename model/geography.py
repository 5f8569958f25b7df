"""The municipality's map: grid size, where dwellings are, and association districts.

A grid cell is a block of a few dwellings. The settlement pattern decides which cells
hold dwellings: nearly all of them in an urban ward, denser toward the centre in a
suburb, and clustered hamlets in a rural town. Districts tile the map; each is the
area of one neighbourhood association. All spatial queries work on flat cell indices
``x * height + y`` so they vectorise; the Mesa grid holds the same cells as objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.regions import RegionProfile

DWELLING_SLACK = 1.25  # dwellings per household at the start: room for newcomers


@dataclass
class Geography:
    width: int
    height: int
    capacity: np.ndarray  # dwellings per cell (0 = no dwellings)
    district: np.ndarray  # district id per cell
    n_districts: int
    centrality: np.ndarray  # 1 at the centre, 0 at the far corner

    @property
    def n_cells(self) -> int:
        return self.width * self.height

    def xy(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cells = np.asarray(cells)
        return cells // self.height, cells % self.height

    def chebyshev(self, cells_a: np.ndarray, cells_b: np.ndarray) -> np.ndarray:
        """Chebyshev (king-move) distance in cells: the Moore grid's metric."""
        xa, ya = self.xy(cells_a)
        xb, yb = self.xy(cells_b)
        return np.maximum(np.abs(xa - xb), np.abs(ya - yb))

    def occupied(self) -> np.ndarray:
        return np.flatnonzero(self.capacity > 0)

    def spread_sites(self, k: int, rng: np.random.Generator) -> np.ndarray:
        """``k`` inhabited cells spread over the map (farthest-point sampling).

        Schools and places are sited so each serves its own area, as municipalities
        plan them, rather than falling where dwellings happen to be densest.
        """
        cand = self.occupied()
        if k <= 0 or len(cand) == 0:
            return np.empty(0, np.int64)
        k = min(k, len(cand))
        chosen = [int(cand[rng.integers(len(cand))])]
        dist = self.chebyshev(cand, np.full(len(cand), chosen[0]))
        for _ in range(k - 1):
            far = np.flatnonzero(dist == dist.max())
            nxt = int(cand[far[rng.integers(len(far))]])
            chosen.append(nxt)
            dist = np.minimum(dist, self.chebyshev(cand, np.full(len(cand), nxt)))
        return np.array(chosen, dtype=np.int64)

    def nearest(self, sites: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For every cell, the index of the nearest site and its distance."""
        cells = np.arange(self.n_cells)
        if len(sites) == 0:
            return np.full(self.n_cells, -1), np.full(self.n_cells, np.iinfo(np.int32).max)
        d = self.chebyshev(cells[:, None], np.asarray(sites)[None, :])
        idx = d.argmin(axis=1)
        return idx, d[cells, idx]


SMALLEST_HOUSEHOLDS = 1.8  # persons per household, below any region's average
MAX_GRID_SIDE = 2_000  # cells: four million blocks, far beyond any municipality


def required_side(profile: RegionProfile, n_households: int) -> int:
    """Smallest square grid with dwellings for ``n_households`` in this settlement."""
    occupied_cells = max(4, math.ceil(n_households * DWELLING_SLACK / profile.households_per_cell))
    return max(5, math.ceil(math.sqrt(occupied_cells / profile.occupied_share)))


def min_side_for_population(profile: RegionProfile, population: int) -> int:
    """A grid side that surely holds ``population`` residents (smallest households)."""
    return required_side(profile, math.ceil(population / SMALLEST_HOUSEHOLDS))


def build_geography(
    profile: RegionProfile, n_households: int, rng: np.random.Generator, side: int | None = None
) -> Geography:
    """Lay out a map with room for ``n_households`` and the region's settlement pattern,
    on a ``side`` x ``side`` grid (default: the smallest that fits; a larger one leaves
    more land empty)."""
    per_cell = profile.households_per_cell
    occupied_cells = max(4, math.ceil(n_households * DWELLING_SLACK / per_cell))
    needed = required_side(profile, n_households)
    if side is not None and side < needed:
        raise ValueError(f"a {side}x{side} grid cannot hold {n_households} households")
    side = needed if side is None else side
    width = height = side
    n_cells = width * height
    x, y = np.divmod(np.arange(n_cells), height)
    cx, cy = (width - 1) / 2, (height - 1) / 2
    r = np.hypot(x - cx, y - cy) / max(np.hypot(cx, cy), 1.0)
    centrality = 1.0 - r

    noise = rng.random(n_cells)
    if profile.settlement == "dense":
        score = noise
        weight = np.ones(n_cells)
    elif profile.settlement == "gradient":
        score = centrality + 0.6 * noise
        weight = 0.6 + 0.8 * centrality  # taller blocks near the centre
    elif profile.settlement == "hamlets":
        n_hamlets = max(2, round(occupied_cells / 40))
        hx = rng.uniform(0, width, n_hamlets)
        hy = rng.uniform(0, height, n_hamlets)
        spread = max(1.5, math.sqrt(occupied_cells / n_hamlets) / 1.6)
        d2 = (x[:, None] - hx[None, :]) ** 2 + (y[:, None] - hy[None, :]) ** 2
        score = np.exp(-d2 / (2 * spread**2)).max(axis=1) + 0.15 * noise
        weight = np.ones(n_cells)
    else:
        raise ValueError(f"unknown settlement pattern {profile.settlement!r}")

    occupied = np.argsort(-score)[:occupied_cells]
    capacity = np.zeros(n_cells, dtype=np.int32)
    raw = weight[occupied] * per_cell
    capacity[occupied] = np.maximum(1, np.round(raw * occupied_cells * per_cell / raw.sum()))
    shortfall = math.ceil(n_households * DWELLING_SLACK) - int(capacity.sum())
    if shortfall > 0:
        capacity[occupied[rng.integers(len(occupied), size=shortfall)]] += 1

    # districts: square tiles sized to hold about district_households dwellings
    dwell_per_cell = capacity.sum() / n_cells
    tile = max(2, round(math.sqrt(profile.district_households / max(dwell_per_cell, 1e-9))))
    tiles_y = math.ceil(height / tile)
    district = (x // tile) * tiles_y + (y // tile)
    # renumber to consecutive ids over inhabited districts only
    inhabited = np.unique(district[capacity > 0])
    remap = np.full(district.max() + 1, -1)
    remap[inhabited] = np.arange(len(inhabited))
    district = remap[district]
    return Geography(
        width=width,
        height=height,
        capacity=capacity,
        district=district.astype(np.int32),
        n_districts=len(inhabited),
        centrality=centrality,
    )
