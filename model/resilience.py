"""Recovery after a disaster, and how resilience is measured.

**Community function** is an index of what a town does for its people, 1 in the week
before a shock: the mean of five parts, each relative to that week,
- homes standing: 1 minus the mean damage of homes, weighted by where people lived
  before the shock (so the dead and the departed do not make the town look better),
- places for mutual assistance open: capacity not lost to damage,
- NPO capacity,
- neighbourhood associations' vitality,
- volunteering: volunteers per week (four-week average).
Each part is capped at its pre-shock level, so a surge of volunteers cannot hide lost
homes. Before any shock it is 1 by definition. After a shock the town recovers: damage to
homes, places and NPOs heals each week at a pace that rises with local volunteering
(and, for NPOs, with their funds); for a while neighbours meet more and volunteer more
(solidarity), which forms new ties. **Time to recover** is the number of weeks until
community function is back to 95% of its pre-shock level; **resilience loss** is the
area of the "resilience triangle" (Bruneau et al. 2003): the sum over weeks of the
function lost, in function-weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.disasters import SOURCES
from model.pairwise import mean

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

NAN = float("nan")
RECOVERED = 0.95
READINESS_KEPT = 0.99  # per week: readiness fades slowly without drills
PARTS = ("homes", "places", "npos", "associations", "volunteering")


@dataclass
class ShockTrack:
    """Community function around one shock."""

    week: int
    homes_weight: np.ndarray  # residents per cell in the week before the shock
    reference: dict[str, float]  # each part's level in the week before the shock
    loss: float = 0.0  # function-weeks lost so far
    recovery_weeks: float = float("nan")
    # (week, index) worked out by that week's recovery, for its outcomes to read once:
    # nothing changes the parts in between, and the parts cost a scan of every place,
    # NPO and association
    function_this_week: tuple[int, float] | None = None


def _homes(model: KizunaModel, weight: np.ndarray) -> float:
    """The share of homes standing, weighted by where people lived before the shock.

    NumPy's pairwise sum of the products rather than ``weight @ damage``: BLAS splits a
    dot product longer than 10,000 between threads, so its last bits depend on the
    machine's cores, and its threads, once woken every week, spin against the model's
    own (a 100,000-resident town's weeks after an earthquake took ~40% longer)."""
    total = weight.sum()
    return 1.0 - float(np.add.reduce(weight * model.cell_damage) / total) if total > 0 else 1.0


def function_parts(model: KizunaModel, homes_weight: np.ndarray) -> dict[str, float]:
    """Each part of community function, in its own units. Homes are weighted by where
    people lived before the shock, so the dead and the departed do not flatter it."""
    places = float(sum(pl.capacity * (1.0 - pl.damage) for pl in model.places))
    npos = float(sum(n.capacity for n in model.npos if n.active))  # damage is in it
    assoc = mean([a.vitality for a in model.associations]) if model.associations else 0.0
    return {
        "homes": _homes(model, homes_weight),
        "places": places,
        "npos": npos,
        "associations": assoc,
        "volunteering": model.recent_volunteers(),
    }


def community_function(model: KizunaModel) -> float:
    """The index (1 before any shock): mean of the parts relative to the pre-shock week,
    each capped at 1 so a surge of volunteers cannot hide a town's lost homes."""
    track = model.shock_track
    if track is None:
        return 1.0
    parts = function_parts(model, track.homes_weight)
    ref = track.reference
    rel = [parts[k] / ref[k] if ref[k] > 0 else 1.0 for k in PARTS]
    return mean([1.0 if r > 1.0 else r for r in rel])  # capped at 1 (NaN stays NaN)


def start_tracking(model: KizunaModel) -> None:
    """Remember the pre-shock levels (called just before the acute phase)."""
    pop = model.population
    weight = np.bincount(pop.cell[pop.alive_idx()], minlength=model.geography.n_cells)
    track = ShockTrack(model.week, weight.astype(float), function_parts(model, weight))
    model.shock_track = track
    model.shock_tracks.append(track)


def weekly_recovery(model: KizunaModel) -> None:
    """Damage heals; solidarity fades; the shock's resilience figures accumulate."""
    p = model.params
    if model.cell_damage.any():
        share = model.district_volunteer_share()
        district = model.geography.district
        local = np.where(district >= 0, share[np.maximum(district, 0)], 0.0)
        rate = p.recovery_rate * (1.0 + p.volunteer_recovery_boost * local)
        model.cell_damage *= 1.0 - np.clip(rate, 0.0, 1.0)
        model.cell_damage[model.cell_damage < 0.01] = 0.0
        for place in model.places:
            place.damage = float(model.cell_damage[place.cell_index])
        for npo in model.npos:
            if npo.active and npo.damage > 0:
                funds = min(max(npo.funds / max(3 * npo.monthly_costs, 1.0), 0.0), 1.0)
                npo.damage *= 1.0 - p.recovery_rate * (1.0 + funds + local[npo.cell_index])
    model.solidarity *= 1.0 - p.solidarity_decay
    model.drill_readiness *= READINESS_KEPT
    track = model.shock_track
    if track is not None and model.week > track.week:
        f = community_function(model)
        track.function_this_week = (model.week, f)
        track.loss += max(0.0, 1.0 - min(f, 1.0))
        if np.isnan(track.recovery_weeks) and f >= RECOVERED:
            track.recovery_weeks = float(model.week - track.week)


def damage_organisations(model: KizunaModel) -> None:
    """Places and NPOs in damaged cells lose capacity; associations lose vitality."""
    damage = model.cell_damage
    for place in model.places:
        place.damage = float(damage[place.cell_index])
    for npo in model.npos:
        if npo.active:
            npo.damage = max(npo.damage, float(damage[npo.cell_index]))
    geo = model.geography
    occupied = geo.occupied()
    for assoc in model.associations:
        cells = occupied[geo.district[occupied] == assoc.district]
        assoc.vitality *= 1.0 - 0.5 * float(damage[cells].mean()) if len(cells) else 1.0


# (name, group, kind, unit, description) of the resilience outcomes: cumulative over
# every shock so far, so the final-year summary carries a whole scenario's disasters
OUTCOME_SPECS: tuple[tuple[str, str, str, str, str], ...] = (
    ("disaster_in_need", "resilience", "stock", "residents",
     "residents put in need by disasters so far (trapped, flooded out, struck by heat)"),
    ("disaster_deaths", "resilience", "stock", "residents", "deaths in disasters so far"),
    ("disaster_deaths_0_64", "resilience", "stock", "residents",
     "deaths in disasters so far, aged 0-64"),
    ("disaster_deaths_65_74", "resilience", "stock", "residents",
     "deaths in disasters so far, aged 65-74"),
    ("disaster_deaths_75_plus", "resilience", "stock", "residents",
     "deaths in disasters so far, aged 75 and over"),
    ("disaster_deaths_frail_alone", "resilience", "stock", "residents",
     "deaths in disasters so far among frail elders (65+) living alone"),
    ("helped_household", "resilience", "stock", "residents",
     "people in need reached first by their own household"),
    ("helped_neighbours", "resilience", "stock", "residents",
     "people in need reached first by strongly tied neighbours"),
    ("helped_association", "resilience", "stock", "residents",
     "people in need reached first by the association's safety check or the fire corps"),
    ("helped_npo", "resilience", "stock", "residents",
     "people in need reached first by NPO volunteers"),
    ("helped_formal", "resilience", "stock", "residents",
     "people in need reached first by fire, police or the self-defence forces"),
    ("reached_24h_share", "resilience", "stock", "share",
     "of people in need, share reached on the first day (undefined before a shock)"),
    ("reached_72h_share", "resilience", "stock", "share",
     "of people in need, share reached within three days (undefined before a shock)"),
    ("disaster_left_town", "resilience", "stock", "residents",
     "residents whose households left town after their homes were damaged"),
    ("community_function", "resilience", "stock", "index",
     "homes, places, NPOs, associations and volunteering relative to the week before "
     "the latest shock (1 = as before; 1 with no shock)"),
    ("recovery_weeks", "resilience", "stock", "weeks",
     "weeks the latest shock took to bring community function back to 95% "
     "(undefined until it has)"),
    ("resilience_loss", "resilience", "stock", "function-weeks",
     "area of the resilience triangle over every shock so far (0 with no shock)"),
)  # fmt: skip


_DEATH_KEYS = tuple((band, f"disaster_deaths_{band}") for band in ("0_64", "65_74", "75_plus"))
_HELPED_KEYS = tuple((source, f"helped_{source}") for source in SOURCES)


def outcomes(model: KizunaModel) -> dict[str, float]:
    """The resilience outcomes of the current week."""
    in_need = deaths = frail_alone = left = reached_24h = reached_72h = 0
    by_age = dict.fromkeys(_DEATH_KEYS, 0)
    helped = dict.fromkeys(_HELPED_KEYS, 0)
    for r in model.disaster_records:  # one pass over the shocks so far
        in_need += r.in_need
        deaths += r.deaths
        frail_alone += r.frail_alone_deaths
        left += r.left_town
        reached_24h += r.reached_24h
        reached_72h += r.reached_72h
        for band, key in _DEATH_KEYS:
            by_age[band, key] += r.deaths_by_age.get(band, 0)
        for source, key in _HELPED_KEYS:
            helped[source, key] += r.helped[source]
    out = {
        "disaster_in_need": float(in_need),
        "disaster_deaths": float(deaths),
        "disaster_deaths_frail_alone": float(frail_alone),
        "disaster_left_town": float(left),
    }
    for (_, key), total in by_age.items():
        out[key] = float(total)
    for (_, key), total in helped.items():
        out[key] = float(total)
    out["reached_24h_share"] = reached_24h / in_need if in_need else NAN
    out["reached_72h_share"] = reached_72h / in_need if in_need else NAN
    track = model.shock_track
    known = track.function_this_week if track is not None else None
    if known is not None and known[0] == model.week:
        track.function_this_week = None  # read once: later reads work it out again
        out["community_function"] = known[1]
    else:
        out["community_function"] = community_function(model)
    out["recovery_weeks"] = track.recovery_weeks if track is not None else NAN
    out["resilience_loss"] = float(sum(t.loss for t in model.shock_tracks))
    return out
