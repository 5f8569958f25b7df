"""Disasters: the damage a shock does, and who reaches the people it puts in need.

A shock (earthquake, flood or heatwave) damages cells around an epicentre (or a list
of cells, or the whole town for a heatwave). In the shock's week the acute phase runs
in seven daily sub-steps. Residents of damaged cells fall into need with a chance that
rises with the damage, their frailty and living alone. Each day, helpers come in the
order people would really come: their own household; strongly tied neighbours living
within two blocks; the neighbourhood association's safety checks and the volunteer
fire corps (faster and wider where disaster drills built readiness, path 16); NPO
volunteers; and formal responders, whose capacity is limited and who arrive late.
Someone helped on day d survives with the day's survival rate (Kobe 1995 for
earthquakes: 80%, 28%, 22%, 6%, 6% on days 1-5). Every rescue records its source;
rescuers and the rescued form ties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from model.ties import Context

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

KINDS = ("earthquake", "flood", "heatwave")
SOURCES = ("household", "neighbours", "association", "npo", "formal")
DAYS = 7
# survival of a person in need by the day help reaches them (index 0 = day 1; the last
# value stands for "after the first week"). Earthquake: Kobe 1995 fire-bureau rescues
# (DESIGN.md); flood and heatwave: assumptions, slower to kill.
SURVIVAL = {
    "earthquake": np.array([0.80, 0.28, 0.22, 0.06, 0.06, 0.04, 0.03, 0.01]),
    "flood": np.array([0.97, 0.85, 0.70, 0.55, 0.40, 0.30, 0.20, 0.10]),
    "heatwave": np.array([0.99, 0.95, 0.88, 0.78, 0.68, 0.58, 0.48, 0.35]),
}
# chance a resident of a fully damaged cell falls into need, before frailty and living alone
BASE_NEED = {"earthquake": 0.06, "flood": 0.05, "heatwave": 0.02}
REACH_CELLS = 2  # neighbours who live this close come
ABLE_MAX_FRAILTY = 0.6


@dataclass(frozen=True)
class Shock:
    """A disaster: what, when (week), where (epicentre as map fractions and a radius as
    a fraction of the map's side, or explicit cells), and how hard (severity 0-1)."""

    kind: str
    week: int
    severity: float = 0.7
    epicentre: tuple[float, float] | None = (0.5, 0.5)
    radius: float = 0.4
    cells: tuple[tuple[int, int], ...] | None = None

    def damage(self, model: KizunaModel) -> np.ndarray:
        """Damage (0-1) of every cell."""
        geo = model.geography
        x, y = geo.xy(np.arange(geo.n_cells))
        if self.kind == "heatwave":  # the whole town swelters; severity is the heat
            return np.full(geo.n_cells, self.severity)
        if self.cells is not None:
            out = np.zeros(geo.n_cells)
            for cx, cy in self.cells:
                if 0 <= cx < geo.width and 0 <= cy < geo.height:
                    out[cx * geo.height + cy] = self.severity
            return out
        ex, ey = self.epicentre
        px, py = ex * (geo.width - 1), ey * (geo.height - 1)
        reach = max(self.radius * max(geo.width, geo.height), 1.0)
        d = np.hypot(x - px, y - py) / reach
        if self.kind == "flood":  # low ground floods evenly up to the water's reach
            return np.where(d <= 1.0, self.severity, 0.0)
        return self.severity * np.clip(1.0 - d, 0.0, 1.0)  # shaking fades with distance


@dataclass
class DisasterRecord:
    """What happened in one shock's acute phase."""

    shock: Shock
    in_need: int = 0
    helped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    reached_24h: int = 0
    reached_72h: int = 0
    deaths: int = 0
    deaths_by_age: dict[str, int] = field(default_factory=dict)
    population_by_age: dict[str, int] = field(default_factory=dict)
    # who was in need: frail elders living alone, and how many of them died
    frail_alone_in_need: int = 0
    frail_alone_deaths: int = 0
    population: int = 0
    frail_alone_population: int = 0
    left_town: int = 0
    reached_by_day: list[int] = field(default_factory=list)  # cumulative, days 1-7
    # slots of everyone who fell into need (the dead's slots are freed for newcomers)
    needy: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def row(self) -> dict[str, float | int | str]:
        """A flat row for the per-run resilience table."""
        sh = self.shock
        out: dict[str, float | int | str] = {
            "kind": sh.kind,
            "week": sh.week,
            "severity": sh.severity,
            "population": self.population,
            "in_need": self.in_need,
            **{f"helped_{k}": v for k, v in self.helped.items()},
            "reached_24h_share": self.share(self.reached_24h),
            "reached_72h_share": self.share(self.reached_72h),
            **{f"reached_day_{d + 1}": n for d, n in enumerate(self.reached_by_day)},
            "deaths": self.deaths,
            **{f"deaths_{k}": v for k, v in self.deaths_by_age.items()},
            **{f"population_{k}": v for k, v in self.population_by_age.items()},
            "frail_alone_population": self.frail_alone_population,
            "frail_alone_in_need": self.frail_alone_in_need,
            "frail_alone_deaths": self.frail_alone_deaths,
            "left_town": self.left_town,
        }
        return out

    def share(self, count: int) -> float:
        return count / self.in_need if self.in_need else float("nan")


def age_bands(age: np.ndarray) -> dict[str, int]:
    return {
        "0_64": int((age < 65).sum()),
        "65_74": int(((age >= 65) & (age < 75)).sum()),
        "75_plus": int((age >= 75).sum()),
    }


def frail_alone(model: KizunaModel, slots: np.ndarray) -> np.ndarray:
    pop = model.population
    return (pop.age[slots] >= 65) & model.lives_alone[slots] & (pop.frailty[slots] > 0.3)


def acute_phase(model: KizunaModel, shock: Shock) -> DisasterRecord:
    """The shock's week, day by day. Updates the town's damage; removes the dead."""
    rng = model.rng
    pop = model.population
    p = model.params
    idx = pop.alive_idx()
    damage = shock.damage(model)
    model.cell_damage = np.maximum(model.cell_damage, damage)
    record = DisasterRecord(shock, population=len(idx))
    record.frail_alone_population = int(frail_alone(model, idx).sum())
    record.population_by_age = age_bands(pop.age[idx])

    # who falls into need
    d = damage[pop.cell[idx]]
    vulnerability = 1.0 + 2.0 * pop.frailty[idx] + 1.0 * model.lives_alone[idx]
    vulnerability += (pop.age[idx] < 6) * 0.5
    p_need = np.minimum(BASE_NEED[shock.kind] * d * vulnerability * p.disaster_need_scale, 0.9)
    in_need = rng.random(len(idx)) < p_need
    needy = idx[in_need]
    record.in_need = len(needy)
    record.needy = needy
    if len(needy) == 0:
        return record
    record.frail_alone_in_need = int(frail_alone(model, needy).sum())
    flag = np.zeros(pop.capacity, bool)
    flag[needy] = True

    helped_day = np.full(len(needy), DAYS + 1)  # day 8 stands for "after the first week"
    source = np.full(len(needy), -1)
    able = pop.alive & ~flag & (pop.age >= 12) & (pop.frailty < ABLE_MAX_FRAILTY)

    # household: able members not in need themselves
    hh_helpers = np.bincount(pop.household[able], minlength=len(model.households))
    has_household = hh_helpers[pop.household[needy]] > 0
    # neighbours: strongly tied, able, living within reach
    strong_near, tied = _ties_of(model, needy, able)
    # someone will miss them: the household, anyone they know, the association's roster
    # the association's checks reach member households (everyone where drills built readiness)
    district = model.geography.district[pop.cell[needy]]
    ok_district = district >= 0
    vitality = np.fromiter((a.vitality for a in model.associations), float, len(model.associations))
    readiness = model.drill_readiness[np.maximum(district, 0)] * ok_district
    member = model.households.member[pop.household[needy]] & ok_district
    check = (
        p.safety_check_rate
        * vitality[np.maximum(district, 0)]
        * ok_district
        * (member + readiness * ~member)
        * (1.0 + readiness)
    )
    # the first day, only districts that drilled check at once; from day two all do
    day_one = np.minimum(readiness / 0.5, 1.0)
    known = has_household | (tied > 0) | member
    brigade = np.flatnonzero(pop.brigade & able)
    # fire corps members whose own homes are hit are busy there first
    corps = float((1.0 - 0.5 * damage[pop.cell[brigade]]).sum()) * p.fire_corps_rescues
    npo_capacity = sum(n.capacity for n in model.npos if n.active) * (1.0 - 0.5 * shock.severity)
    npo = npo_capacity * p.npo_disaster_help
    formal = p.formal_responders * model.population_size / 10_000  # they come from outside

    for day in range(1, DAYS + 1):
        waiting = source < 0
        u = rng.random((len(needy), 3))
        got = waiting & has_household & (u[:, 0] < p.household_help)
        _mark(helped_day, source, got, day, 0)
        waiting &= ~got
        got = waiting & (u[:, 1] < 1.0 - (1.0 - p.neighbour_help) ** strong_near)
        _mark(helped_day, source, got, day, 1)
        waiting &= ~got
        today = check * (day_one if day == 1 else 1.0)
        got = waiting & (u[:, 2] < np.minimum(today, 1.0))
        # the volunteer fire corps digs out those it hears of, on top of the checks
        got |= _take(rng, waiting & ~got & known, corps)
        _mark(helped_day, source, got, day, 2)
        waiting &= ~got
        if day >= 2:  # NPOs need a day to organise
            got = _take(rng, waiting & known, npo)
            _mark(helped_day, source, got, day, 3)
            waiting &= ~got
        if day >= p.formal_delay_days:
            got = _take(rng, waiting & known, formal)
            _mark(helped_day, source, got, day, 4)
            # nobody missed the rest: they are found by house-to-house searches
            known |= rng.random(len(needy)) < p.search_rate

    for k, name in enumerate(SOURCES):
        record.helped[name] = int((source == k).sum())
    record.reached_24h = int((helped_day <= 1).sum())
    record.reached_72h = int((helped_day <= 3).sum())
    record.reached_by_day = [int((helped_day <= d).sum()) for d in range(1, DAYS + 1)]

    survive = rng.random(len(needy)) < SURVIVAL[shock.kind][helped_day - 1]
    dead = needy[~survive]
    record.deaths = len(dead)
    record.deaths_by_age = age_bands(pop.age[dead])
    record.frail_alone_deaths = int(frail_alone(model, dead).sum())
    _solidarity_ties(model, needy[survive], source[survive])
    model.remove_residents(dead)
    record.left_town = _displacement(model, damage)
    model.solidarity = np.maximum(model.solidarity, damage)
    return record


def _take(rng: np.random.Generator, waiting: np.ndarray, capacity: float) -> np.ndarray:
    """A helper with limited capacity reaches a random subset of those still waiting
    (fractional capacity is a chance of one more rescue)."""
    free = np.flatnonzero(waiting)
    n = int(capacity) + int(rng.random() < capacity - int(capacity))
    got = np.zeros(len(waiting), bool)
    got[rng.choice(free, size=min(len(free), n), replace=False)] = True
    return got


def _mark(helped_day: np.ndarray, source: np.ndarray, got: np.ndarray, day: int, k: int) -> None:
    helped_day[got] = day
    source[got] = k


def _ties_of(
    model: KizunaModel, needy: np.ndarray, able: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each needy resident: able, strongly tied people living within reach (they
    come), and able people they have any tie with (they raise the alarm)."""
    pop = model.population
    node, other = model.ties.incident(needy, pop.capacity)
    if len(node) == 0:
        return np.zeros(len(needy)), np.zeros(len(needy))
    weight = model.ties.pair_weights(node, other)
    near = model.geography.chebyshev(pop.cell[node], pop.cell[other]) <= REACH_CELLS
    other_home = pop.household[node] != pop.household[other]  # the household is its own source
    ok = able[other] & near & other_home & (weight >= model.params.strong_threshold)
    counts = np.bincount(node[ok], minlength=pop.capacity)
    tied = np.bincount(node[able[other]], minlength=pop.capacity)
    return counts[needy], tied[needy]


def _solidarity_ties(model: KizunaModel, rescued: np.ndarray, source: np.ndarray) -> None:
    """Those rescued by their association or an NPO get to know a rescuer."""
    pop = model.population
    rng = model.rng
    pairs_u, pairs_v = [], []
    vol = np.flatnonzero(pop.alive & pop.within("last_volunteer_week", model.week, 26))
    for k in (SOURCES.index("association"), SOURCES.index("npo")):
        who = rescued[source == k]
        if len(who) and len(vol):
            pairs_u.append(who)
            pairs_v.append(vol[rng.integers(0, len(vol), len(who))])
    if pairs_u:
        u, v = np.concatenate(pairs_u), np.concatenate(pairs_v)
        prob = np.zeros(len(Context))
        prob[Context.DISASTER] = 0.5
        model.ties.apply_encounters(
            u, v, np.full(len(u), Context.DISASTER), prob, model.params.tie_strengthen,
            model.week, rng,
        )  # fmt: skip


def _displacement(model: KizunaModel, damage: np.ndarray) -> int:
    """Households whose homes were badly damaged may leave town."""
    pop = model.population
    idx = pop.alive_idx()
    hh_damage = damage[model.households.cell]
    leave_hh = model.rng.random(len(model.households)) < model.params.displacement * hh_damage**2
    leaving = idx[leave_hh[pop.household[idx]]]
    model.remove_residents(leaving)
    return len(leaving)
