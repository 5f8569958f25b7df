"""Schools and local workplaces: where pupils and workers meet every week.

Pupils attend the nearest school of their level; local workers are spread over
workplaces whose sizes are heavy-tailed, as in the Economic Census (most
establishments are small, a few employ many). Each venue is an id; the organisations
issue wraps them in agents (companies employ, schools run programmes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model import role_kernels
from model.geography import Geography

# School levels: name, first and last age of attendance, residents per school.
# School Basic Survey 2015 (MEXT): about 20,600 elementary, 10,500 lower-secondary and
# 4,900 upper-secondary schools for 127 million people.
SCHOOL_LEVELS = (
    ("elementary", 6, 11, 6_200),
    ("lower_secondary", 12, 14, 12_100),
    ("upper_secondary", 15, 17, 26_000),
)
UNIVERSITY = len(SCHOOL_LEVELS)  # level code of the university
_LEVEL_FIRST_AGE = np.array([lo for _name, lo, _hi, _per in SCHOOL_LEVELS], np.int64)
_LEVEL_LAST_AGE = np.array([hi for _name, _lo, hi, _per in SCHOOL_LEVELS], np.int64)
STUDENT_AGES = (18, 22)


@dataclass
class Venues:
    school_level: np.ndarray  # level index of each school
    school_cell: np.ndarray
    nearest_school: np.ndarray  # [level, cell] -> school id
    workplace_cell: np.ndarray
    workplace_weight: np.ndarray  # hiring weight; expected staff are proportional to it
    university: int = -1  # school id of the local university, -1 if the town has none

    @property
    def n_schools(self) -> int:
        return len(self.school_cell)

    @property
    def n_workplaces(self) -> int:
        return len(self.workplace_cell)

    def place_pupils(
        self, idx: np.ndarray, age: np.ndarray, cell: np.ndarray, school: np.ndarray
    ) -> None:
        """Each resident at ``idx`` gets the nearest school (by home ``cell``) of the level
        their ``age`` belongs to, else -1, written into ``school``: whole columns in one
        compiled pass (a week's few newcomers paid a dozen array calls for masks)."""
        role_kernels.school_places(
            idx, age, cell, self.nearest_school, _LEVEL_FIRST_AGE, _LEVEL_LAST_AGE, school
        )

    def draw_workplaces(self, n: int, rng: np.random.Generator) -> np.ndarray:
        p = self.workplace_weight / self.workplace_weight.sum()
        return rng.choice(len(p), size=n, p=p).astype(np.int32)


def build_venues(
    geo: Geography,
    population: int,
    local_workers: float,
    mean_size: float,
    rng: np.random.Generator,
    university: bool = False,
) -> Venues:
    levels, cells = [], []
    nearest = np.zeros((len(SCHOOL_LEVELS), geo.n_cells), dtype=np.int32)
    for level, (_name, _lo, _hi, per_school) in enumerate(SCHOOL_LEVELS):
        k = max(1, round(population / per_school))
        sites = geo.spread_sites(k, rng)
        idx, _ = geo.nearest(sites)
        nearest[level] = idx + len(cells)
        levels.extend([level] * len(sites))
        cells.extend(sites.tolist())

    university_id = -1
    if university:  # on the edge of the centre, where campuses are
        occupied = geo.occupied()
        site = int(occupied[np.argsort(-geo.centrality[occupied])[min(8, len(occupied) - 1)]])
        university_id = len(cells)
        levels.append(UNIVERSITY)
        cells.append(site)

    n_work = max(1, math.ceil(local_workers / mean_size))
    occupied = geo.occupied()
    # workplaces concentrate toward the centre, where shops and offices are
    p = (0.3 + geo.centrality[occupied]) * geo.capacity[occupied]
    work_cells = rng.choice(occupied, size=n_work, p=p / p.sum())
    # Pareto-tailed sizes (shape 1.3): many small establishments, a few large ones
    weight = rng.pareto(1.3, size=n_work) + 1.0
    return Venues(
        school_level=np.array(levels, dtype=np.int32),
        school_cell=np.array(cells, dtype=np.int64),
        nearest_school=nearest,
        workplace_cell=work_cells.astype(np.int64),
        workplace_weight=weight,
        university=university_id,
    )
