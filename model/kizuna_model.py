"""KizunaModel: one municipality, weekly steps, residents, ties and participation.

Order of one weekly step (see also ``_social_week``):
1. demography: deaths, births, moves out and in (and, every 52 weeks, school, work,
   income, leaving home and partnering);
2. frailty, free time, access to opportunities (from associations, schools, employers,
   NPOs and places), and what one's ties do;
3. volunteering (and joining an organisation), visits to places, NPO outreach;
4. encounters by context (household, neighbourhood, work, school, places, volunteer
   activities, visits to close ties, introductions by friends, NPO activities,
   association events, drills, festivals, coordinators) strengthen or form ties; news
   of NPOs passes along; all ties decay;
5. awareness and trust (updated while the meetings are paired: nothing in 4 reads them);
   monthly giving and the yearly community-chest collection;
6. the organisations' calendar (monthly finances; yearly budgets, grants, CSR,
   successions and new NPOs); association membership; outcomes are measured.

Before week 0 the social rules run for ``warmup_weeks`` (no births, deaths or ageing;
households move in and out in its second half), so ties, awareness and the "in the
last 12 months" measures start near their steady state instead of at zero.

Everything random draws from ``self.rng``; the one sampled outcome (clustering)
draws from a child stream, so measuring changes nothing in the town.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from functools import partial
from operator import attrgetter
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from mesa import Model
from mesa.datacollection import DataCollector
from mesa.discrete_space import OrthogonalMooreGrid

from model import (
    attachment,
    demography,
    disasters,
    encounters,
    membership,
    organisations,
    outcome_kernels,
    pairwise,
    participation,
    participation_kernels,
    resilience,
    streams,
)
from model.background import Pending
from model.disasters import DisasterRecord, Shock
from model.geography import build_geography
from model.households import Households, HouseholdView
from model.interventions import Intervention, InterventionSet
from model.ledger import RESIDENTS, Ledger
from model.organisations import setup as organisation_setup
from model.organisations.base import Organisation
from model.organisations.npos import NPO, IntermediarySupport
from model.outcomes import OUTCOMES, clustering_sample, measure, tie_census, tie_census_later
from model.params import Params, check_params
from model.places import Place, visit_places
from model.population import NEVER, Population
from model.regions import RegionProfile, get_region
from model.residents import Resident, create_handles, remove_handles
from model.resilience import ShockTrack
from model.rolling import RollingTallies
from model.synthesis import synthesise
from model.ties import MAX_SLOTS, Context, PendingCensus, TieNetwork
from model.venues import build_venues

MAX_POPULATION = 2_000_000
WARMUP_FORMATION_BOOST = 8.0
INITIAL_HOUSEHOLD_TIE = 0.8
# what add_residents writes for every newcomer, so allocate need not write defaults first
_NEWCOMER_COLUMNS = demography.TRAIT_COLUMNS | {
    "age",
    "female",
    "household",
    "cell",
    "arrival_week",
}


def _read_outcome(name: str, model: KizunaModel) -> float:
    """DataCollector reporter: one outcome of the week, computed once in ``measure``."""
    return model.latest[name]


class OutcomeCollector(DataCollector):
    """Mesa's DataCollector with one model reporter per outcome, whose weekly row is
    appended straight from ``model.latest``: Mesa would call ~170 reporters and deepcopy
    each value, though the values are numbers that copying leaves as they are. Agent-type
    reporters given as attribute names (the places') are read with one ``attrgetter`` per
    agent into the records Mesa would build; any other kind is left to Mesa."""

    def _new_agenttype_reporter(self, agent_type: type, name: str, reporter: Any) -> None:
        super()._new_agenttype_reporter(agent_type, name, reporter)
        if not hasattr(self, "_attribute_reporters"):
            # per agent type, each reporter's attribute, in Mesa's order of the reporters
            self._attribute_reporters: dict[type, dict[str, str] | None] = {}
        names = self._attribute_reporters.setdefault(agent_type, {})
        if isinstance(reporter, str) and names is not None:
            names[name] = reporter
        else:
            self._attribute_reporters[agent_type] = None  # not only attributes: Mesa's way

    def collect(self, model: KizunaModel) -> None:
        latest = model.latest
        for name, column in self.model_vars.items():
            column.append(latest[name])
        self._collection_steps.append(model.time)
        if self.agent_reporters:
            self._agent_records[model.time] = list(self._record_agents(model))
        if self.agenttype_reporters:
            self._collect_agent_types(model)

    def _collect_agent_types(self, model: KizunaModel) -> None:
        """The agent-type records, as Mesa's ``collect`` builds them: for each agent a
        tuple (time, unique_id, *values), immutable values as they are, others copied."""
        time = model.time
        records: dict[type, list[tuple]] = {}
        attribute_reporters = getattr(self, "_attribute_reporters", {})
        for agent_type in self.agenttype_reporters:
            names = attribute_reporters.get(agent_type)
            if not names or agent_type not in model.agent_types:
                records[agent_type] = list(self._record_agenttype(model, agent_type))
                continue
            read = attrgetter("unique_id", *names.values())
            rows = [(time, *read(agent)) for agent in model.agents_by_type[agent_type]]
            if not all(isinstance(v, _IMMUTABLE) for row in rows for v in row[2:]):
                rows = [(t, uid, *map(_copied, values)) for t, uid, *values in rows]
            records[agent_type] = rows
        self._agenttype_records[time] = records


_IMMUTABLE = (str, int, bool, float, tuple)  # what Mesa keeps without a deepcopy


def _copied(value: Any) -> Any:
    return value if isinstance(value, _IMMUTABLE) else deepcopy(value)


class KizunaModel(Model):
    """A Mesa model of one municipality's ties and mutual assistance."""

    def __init__(
        self,
        region: str | RegionProfile = "suburban",
        population: int | None = None,
        params: Params | dict[str, Any] | None = None,
        *,
        rng: np.random.Generator | int | None = None,
        warmup_weeks: int = 52,
        interventions: Iterable[Intervention] = (),
        grid_side: int | None = None,
        shocks: Iterable[Shock] = (),
    ) -> None:
        super().__init__(rng=rng)
        self.region = get_region(region) if isinstance(region, str) else region
        if params is None:
            params = Params()
        elif isinstance(params, dict):
            params = check_params(params)
        self.params: Params = params
        self.base_params: Params = params  # what the town is like without interventions
        self.interventions = InterventionSet(interventions)
        n = int(population or self.region.default_population)
        if not 2 <= n <= MAX_POPULATION:
            raise ValueError(f"population must be between 2 and {MAX_POPULATION:,}, got {n}")
        # outcome estimates that sample (clustering) draw from their own stream, so
        # measuring never changes what happens in the town
        self.metrics_rng = self.rng.spawn(1)[0]
        # the meetings paired on the helper thread draw from a stream of their own
        # (``model.streams``), in compiled code, while the main thread draws the rest
        self.encounter_stream = streams.seeded(self.rng.bit_generator.seed_seq.spawn(1)[0])
        self.week = 0
        self.flows: dict[str, float] = {}
        self.latest: dict[str, float] = {}

        synth = synthesise(self.region, n, self.rng)
        self.geography = geo = build_geography(
            self.region, synth.n_households, self.rng, side=grid_side
        )
        self.grid = OrthogonalMooreGrid((geo.width, geo.height), torus=False, random=self.random)
        self.cells = [self.grid[(x, y)] for x in range(geo.width) for y in range(geo.height)]
        # per-cell figures for maps: grid.residents, grid.volunteer_rate, ...
        self.layers = {
            name: self.grid.create_property_layer(name, default_value=0.0, dtype=float)
            for name in ("residents", "volunteer_rate", "mean_degree", "elders_alone")
        }

        self.households = Households()
        dwellings = np.repeat(np.arange(geo.n_cells), geo.capacity)
        hh_cells = self.rng.choice(dwellings, size=synth.n_households, replace=False)
        self.households.add(hh_cells, np.zeros(synth.n_households, bool), week=0)

        self.population = pop = Population(capacity=int(n * 1.15) + 16)
        slots = pop.allocate(n)
        # slots follow the map (by cell, then household): most ties join neighbours, so
        # the edge passes touch nearby memory
        order = np.lexsort((synth.household, hh_cells[synth.household]))
        pop.age[slots] = synth.age[order]
        pop.female[slots] = synth.female[order]
        pop.household[slots] = synth.household[order]
        pop.cell[slots] = hh_cells[synth.household[order]]
        # each slot's Mesa agent, or None: a list, not an object array, which the cyclic
        # garbage collector cannot see into (agents refer to the model: every model would
        # live until the process ends, a sweep worker's memory growing run by run)
        self._handles: list[Resident | None] = [None] * pop.capacity
        self._agent_id = np.full(pop.capacity, -1, dtype=np.int64)
        self.lives_alone = np.zeros(pop.capacity, dtype=bool)

        demography.init_traits(self, slots)
        demography.update_frailty(self, slots)
        workers = n * 0.47 * self.region.local_work_share  # about 47% of residents work
        self.venues = build_venues(
            geo, n, workers, self.region.workplace_mean_size, self.rng,
            university=self.region.university_share > 0,
        )  # fmt: skip
        demography.assign_roles(self, slots)
        self._init_membership(slots)
        self._create_handles(slots)

        self.places: list[Place] = []
        self._nearest_place: tuple[np.ndarray, np.ndarray] | None = None
        expected = self.region.places_per_10k * n / 10_000
        n_places = max(1, round(expected)) if expected > 0 else 0  # even a hamlet has one
        for site in geo.spread_sites(n_places, self.rng):
            self.add_place(int(site))

        # disasters: damage per cell, post-disaster solidarity, drill readiness per district
        self.shocks = sorted(shocks, key=lambda sh: sh.week)
        self.cell_damage = np.zeros(geo.n_cells)
        self.solidarity = np.zeros(geo.n_cells)
        self.drill_readiness = np.zeros(max(geo.n_districts, 1))
        self.shock_track: ShockTrack | None = None  # the latest shock's
        self.shock_tracks: list[ShockTrack] = []
        self.disaster_records: list[DisasterRecord] = []

        self.ledger = Ledger()
        self.tallies = RollingTallies()  # yearly counts of what organisations do
        self.accounts: dict[str, Organisation] = {}  # every organisation ever, by account
        self.pending_cross_sector: list[np.ndarray] = []
        self._cells: encounters.CellIndex | None = None
        self._household_district: tuple[np.ndarray, np.ndarray] | None = None
        organisation_setup.create(self)

        self.ties = TieNetwork()
        self._census: PendingCensus | None = None  # the week's census, being counted meanwhile
        self._form_prob = self._formation_probabilities()
        self.warmup_weeks = int(warmup_weeks)
        self._seed_household_ties()
        # warm-up weeks are numbered -W+1 ... 0, so week 0 is the last of them and the
        # "last 52 weeks" measures of week 52 cover weeks 1-52 exactly
        first = 1 - self.warmup_weeks
        self.week = first
        participation.seed_history(self, self._week_context()[0], before_week=first)
        organisations.community.yearly(self)  # first leaders, first fire-corps members
        # burn-in: in the first half of the warm-up strangers become acquainted faster,
        # so ties that the weekly encounters can sustain exist by week 0 (discovering
        # them at normal rates would take years); the second half runs at normal rates
        # so ties those encounters cannot sustain fade again
        # the second half also lets households move in and out, so that week 0 has its
        # share of recent newcomers who have yet to make ties
        self._formation_scale = WARMUP_FORMATION_BOOST
        for w in range(first, 1):
            second_half = w - first >= self.warmup_weeks // 2
            if second_half:
                self._formation_scale = 1.0
            self.week = w
            self._reset_flows()
            if second_half:
                self._demography_week(migration_only=True)
            self._social_week()
        self._formation_scale = 1.0
        self.week = 0
        if self.warmup_weeks == 0:  # no warm-up week set the flows up: week 0 has none
            self._reset_flows()

        # per-place visits ride along as agent-type reporters (places are few); a town
        # without places skips them, since Mesa would scan every agent to find none
        self.datacollector = OutcomeCollector(
            model_reporters={o.name: partial(_read_outcome, o.name) for o in OUTCOMES},
            agenttype_reporters=(
                {Place: {"visits": "visits_last_week", "capacity": "capacity"}}
                if self.places
                else None
            ),
        )
        self._observe()  # week 0 (the warm-up's last week) with its own flows

    # --- set-up helpers ----------------------------------------------------------------------
    def _init_membership(self, slots: np.ndarray) -> None:
        """Start near the region's membership share; families join more, young singles less."""
        pop = self.population
        n_hh = len(self.households)
        hv = HouseholdView.build(
            slots, pop.household[slots], pop.age[slots], pop.school[slots],
            pop.frailty[slots], n_hh,
        )  # fmt: skip
        f = np.ones(n_hh)
        f[(hv.size == 1) & (hv.oldest < 35)] = 0.45
        f[hv.pupils] = 1.25
        f[hv.oldest >= 65] = 1.15
        p = np.clip(self.region.association_membership * f / f[hv.size > 0].mean(), 0, 0.98)
        self.households.member[:] = self.rng.random(n_hh) < p

    def _formation_probabilities(self) -> np.ndarray:
        p = self.params
        prob = np.zeros(16)
        prob[Context.HOUSEHOLD] = 1.0
        prob[Context.NEIGHBOURHOOD] = p.form_neighbourhood
        prob[Context.WORK] = p.form_work
        prob[Context.SCHOOL] = p.form_school
        prob[Context.PLACE] = p.form_place
        prob[Context.ACTIVITY] = p.form_activity
        prob[Context.INTRODUCTION] = p.form_introduction
        prob[Context.ASSOCIATION] = p.form_association
        prob[Context.EVENT] = p.form_association
        prob[Context.NPO] = p.form_npo
        prob[Context.COORDINATOR] = p.form_introduction
        prob[Context.CROSS_SECTOR] = p.form_introduction
        return prob

    def _seed_household_ties(self) -> None:
        idx = self.population.alive_idx()
        index = encounters.GroupIndex.build(idx, self.population.household[idx])
        u, v = encounters.all_pairs(index)
        self.ties.apply_encounters(
            u, v, np.full(len(u), Context.HOUSEHOLD), self._form_prob,
            INITIAL_HOUSEHOLD_TIE, -self.warmup_weeks, self.rng,
        )  # fmt: skip

    def _create_handles(self, slots: np.ndarray) -> None:
        if self.population.capacity > len(self._handles):
            grow = self.population.capacity - len(self._handles)
            self._handles.extend([None] * grow)
            self._agent_id = np.concatenate((self._agent_id, np.full(grow, -1, np.int64)))
            self.lives_alone = np.concatenate((self.lives_alone, np.zeros(grow, bool)))
        cells = self.cells
        agents = create_handles(
            self, slots.tolist(), [cells[c] for c in self.population.cell[slots].tolist()]
        )
        handles = self._handles
        for s, agent in zip(slots.tolist(), agents, strict=True):
            handles[s] = agent
        self._agent_id[slots] = [agent.unique_id for agent in agents]

    # --- population changes (called by demography) -----------------------------------------------
    @property
    def population_size(self) -> int:
        # kept by the population until slots change: paths' costs and rates ask ~10 times a week
        return self.population.count()

    def add_residents(
        self, age: np.ndarray, female: np.ndarray, household: np.ndarray, cell: np.ndarray
    ) -> np.ndarray:
        pop = self.population
        if pop.capacity + len(age) >= MAX_SLOTS:
            raise RuntimeError("population outgrew the tie network's slot limit")
        slots = pop.allocate(len(age), written=_NEWCOMER_COLUMNS)
        pop.age[slots] = age
        pop.female[slots] = female
        pop.household[slots] = household
        pop.cell[slots] = cell
        pop.arrival_week[slots] = self.week
        demography.init_traits(self, slots)
        demography.update_frailty(self, slots)
        if len(age) and age.max() >= demography.FIRST_ROLE_AGE:  # newborns keep the defaults
            demography.assign_roles(self, slots)
        self._create_handles(slots)
        return slots

    def remove_residents(self, slots: np.ndarray) -> None:
        if len(slots) == 0:  # most weeks of a small town: no np.unique of nothing
            return
        slots = np.unique(slots)
        self.ties.remove_residents(slots, self.population.capacity)
        handles = self._handles
        gone = slots.tolist()
        remove_handles(self, [handles[s] for s in gone])
        for s in gone:
            handles[s] = None
        self._agent_id[slots] = -1
        self.population.release(slots)

    def move_residents(self, slots: np.ndarray, households: np.ndarray, cells: np.ndarray) -> None:
        pop = self.population
        pop.household[slots] = households
        pop.cell[slots] = cells
        for s, c in zip(slots.tolist(), np.asarray(cells).tolist(), strict=True):
            self._handles[s].cell = self.cells[c]

    def vacant_cells(self, k: int) -> np.ndarray:
        """Cells of ``k`` free dwellings, drawn at random (fewer if the town is full).

        No dwellings wanted (most weeks of a small town): nothing to count, and
        ``choice`` of none without replacement draws nothing either."""
        if k <= 0:
            return np.empty(0, np.int64)
        pop = self.population
        free = self.households.free_dwellings(
            pop.alive_idx(), pop.household, self.geography.capacity
        )
        if len(free) == 0:
            return np.empty(0, np.int64)
        return self.rng.choice(free, size=min(k, len(free)), replace=False)

    # --- organisations ---------------------------------------------------------------------------
    def recent_volunteers(self) -> float:
        """Residents volunteering per week, averaged over the last four weeks."""
        past = self.datacollector.model_vars.get("volunteers_this_week", [])[-3:]
        return pairwise.mean([*past, self.flows.get("volunteers", 0.0)])

    def district_volunteer_share(self) -> np.ndarray:
        """Per district, the share of residents who volunteered in the last four weeks."""
        pop = self.population
        return participation_kernels.district_shares(
            pop.alive_idx(), pop.cell, self.geography.district, pop.last_volunteer_week,
            self.week, 4, NEVER, max(self.geography.n_districts, 1),
        )  # fmt: skip

    def household_district(self) -> np.ndarray:
        """Association district of every household (-1 for none), read-only.

        Households only ever get added (``Households.add`` replaces the cell array), so
        the answer is kept until the cell array changes."""
        cell = self.households.cell
        cached = self._household_district
        if cached is None or cached[0] is not cell or len(cached[1]) != len(cell):
            district = self.geography.district[cell]
            district.flags.writeable = False
            self._household_district = cached = (cell, district)
        return cached[1]

    def cell_index(self) -> encounters.CellIndex:
        """Residents grouped by home cell, as of the start of this week."""
        assert self._cells is not None
        return self._cells

    def npo_active(self) -> np.ndarray:
        """Whether each NPO (by index) is still active; never empty."""
        active = np.fromiter((n.active for n in self.npos), bool, len(self.npos))
        return active if len(active) else np.zeros(1, bool)

    def add_npo(
        self,
        cell_index: int,
        staff: int = 0,
        know_how: float = 0.3,
        field: str = "community",
        seed_funds: float | None = None,
        intermediary: bool = False,
    ) -> NPO:
        cls = IntermediarySupport if intermediary else NPO
        npo = cls(self, cell_index, len(self.npos), staff, know_how, field)
        self.npos.append(npo)
        if seed_funds:
            npo.receive(RESIDENTS, "endowment", seed_funds)
        return npo

    def community_organisations(self) -> list:
        others = [self.fire_brigade, self.shopping_street]
        return [*self.associations, *(o for o in others if o is not None and o.active)]

    def organisation_people(self, candidates: tuple[np.ndarray, ...] | None = None) -> np.ndarray:
        """Residents who would meet at a platform: association leaders, two volunteers of
        each NPO, and someone from each of the ten largest firms (``candidates``: this
        moment's ``outcome_kernels.roster_candidates``, if already counted)."""
        pop = self.population
        people = [o.leader for o in self.community_organisations() if o.leader >= 0]
        if candidates is None:
            candidates = outcome_kernels.roster_candidates(
                pop.alive, pop.attach_kind, attachment.NPO, pop.attach_id, len(self.npos),
                pop.employer, self.venues.n_workplaces,
            )  # fmt: skip
        volunteers, size, first_worker = candidates
        mine = volunteers[[npo.index for npo in self.npos if npo.active]].ravel()
        people.extend(mine[mine >= 0].tolist())
        top = np.argsort(-size)[:10]
        sizes = size[top].tolist()
        people.extend(w for w, n in zip(first_worker[top].tolist(), sizes, strict=True) if n)
        # a few dozen people: sorted and unique in Python, as np.unique would have them
        return np.array(sorted(set(people)), np.int64)

    # --- places ----------------------------------------------------------------------------------
    def add_place(
        self,
        cell_index: int,
        capacity: int | None = None,
        kind: str = "salon",
        all_ages: bool = False,
    ) -> Place:
        place = Place(self, cell_index, capacity or self.params.place_capacity, kind, all_ages)
        self.places.append(place)
        self._nearest_place = None
        return place

    def remove_place(self, place: Place) -> None:
        self.places.remove(place)
        place.remove()
        self._nearest_place = None

    def nearest_place(self) -> tuple[np.ndarray, np.ndarray]:
        """Per cell: index into ``places`` of the nearest place, and its distance."""
        if self._nearest_place is None:
            sites = np.array([pl.cell_index for pl in self.places], dtype=np.int64)
            self._nearest_place = self.geography.nearest(sites)
        return self._nearest_place

    # --- the week -----------------------------------------------------------------------------
    def _reset_flows(self) -> None:
        self.flows = dict.fromkeys(
            ("births", "deaths", "in_migrants", "out_migrants", "ties_formed",
             "ties_dissolved", "volunteers", "giving_yen", "place_visits", "npos_founded",
             "npos_closed", "loans_issued", "loan_defaults", "intervention_cost",
             "disaster_in_need", "disaster_deaths"),
            0.0,
        )  # fmt: skip
        self.tallies.start_week(self.week)

    def step(self) -> None:
        self.week = self.steps
        self._reset_flows()
        if self.interventions.update(self):
            self.params = self.interventions.params(self.base_params)
            self._form_prob = self._formation_probabilities()
        self._demography_week()
        if self.week % 52 == 0:
            demography.annual_update(self)
        for shock in self.shocks:
            if shock.week == self.week:
                self._strike(shock)
        self._social_week(census=True)
        resilience.weekly_recovery(self)
        self._observe()

    def strike(
        self,
        kind: str = "earthquake",
        *,
        severity: float = 0.7,
        epicentre: tuple[float, float] = (0.5, 0.5),
        radius: float = 0.4,
    ) -> Shock:
        """Strike a disaster in the coming week (the next ``step()``), for interactive use.

        It is scheduled like a scenario's shock rather than run at once, so its acute
        phase comes in its place in the week (after demography) and the week's flows and
        outcomes record it. Returns the scheduled shock.
        """
        if kind not in disasters.KINDS:
            allowed = ", ".join(disasters.KINDS)
            raise ValueError(f"unknown kind of shock {kind!r}; allowed: {allowed}")
        shock = Shock(kind, self.week + 1, severity, epicentre, radius)
        self.shocks.append(shock)
        return shock

    def _strike(self, shock: Shock) -> None:
        """A disaster's acute phase, in the days of this week."""
        resilience.start_tracking(self)
        record = disasters.acute_phase(self, shock)
        resilience.damage_organisations(self)
        self.disaster_records.append(record)
        self.flows["deaths"] += record.deaths
        self.flows["out_migrants"] += record.left_town
        self.flows["disaster_in_need"] += record.in_need
        self.flows["disaster_deaths"] += record.deaths

    def _demography_week(self, migration_only: bool = False) -> None:
        """Births, deaths, moves and ageing; ``migration_only`` keeps just the moves (the
        warm-up uses it so some residents are newcomers at week 0, as in any town)."""
        idx = self.population.alive_idx()
        if migration_only:
            dead = mothers = np.empty(0, np.int64)
            leaving = demography.out_migrants(self, idx)
        else:  # deaths, births and moves out in one draw: mothers who die or leave drop out
            dead, leaving, mothers = demography.vital_events(self, idx)
        self.remove_residents(np.concatenate((dead, leaving)))
        if len(mothers):
            pop = self.population
            self.add_residents(
                age=np.zeros(len(mothers), np.float32),
                female=self.rng.random(len(mothers)) < 0.488,
                household=pop.household[mothers].copy(),
                cell=pop.cell[mothers].copy(),
            )
        arrived = demography.arrivals(self)
        if not migration_only:
            pop = self.population  # in place over the alive mask: no gather and scatter
            np.add(pop.age, np.float32(1.0 / 52.0), out=pop.age, where=pop.alive)
        self.flows.update(
            births=float(len(mothers)),
            deaths=float(len(dead)),
            out_migrants=float(len(leaving)),
            in_migrants=float(arrived),
        )

    def _week_context(self, meet: bool = False) -> tuple[participation.WeekContext, Pending | None]:
        """Refresh frailty, households and free time; gather what the week's rules share.
        With ``meet``, also start the meetings that need only this context on the helper
        thread (``encounters.meet_at_home_and_near``), queued behind the peer shares: the
        hand-over costs nothing while the helper is busy."""
        pop = self.population
        idx = pop.alive_idx()
        adjacency = self.ties.adjacency(pop.capacity)
        peers = participation.peer_shares_later(self, idx, adjacency)  # meanwhile
        hh = pop.household[idx]
        demography.update_frailty(self, idx)
        hv = HouseholdView.of_slots(idx, hh, pop.age, pop.school, pop.frailty, len(self.households))
        hv.mark_alone(idx, hh, self.lives_alone)
        participation.update_free_time(self, idx, hv)
        self._cells = encounters.CellIndex.build(idx, pop.cell[idx], self.geography.n_cells)
        near = encounters.meet_at_home_and_near(self, idx, hv, adjacency) if meet else None
        access = participation.access_to_opportunities(self, idx, hv)
        peer_vol, peer_don, peer_aw, has_ties = peers.result()
        wk = participation.WeekContext(
            idx, hv, access, peer_vol, peer_don, peer_aw, has_ties, adjacency
        )
        return wk, near

    def _social_week(self, census: bool = False) -> None:
        """The week's meetings, ties, giving and organisations; with ``census``, the
        end-of-week tie census starts on the helper thread once the ties are merged
        (nothing after that moves, adds or removes residents before ``_observe``)."""
        p = self.params
        rng = self.rng
        self.ledger.week = self.week
        wk, near = self._week_context(meet=True)

        volunteers = participation.volunteer(self, wk)
        attachment.attach(self, wk, volunteers)
        visitors, where = visit_places(self, wk.idx, rng)
        organisations.npos.outreach(self)

        met = encounters.week_encounters(self, wk, volunteers, visitors, where, near)
        ou, ov, oc, also_volunteered = organisations.week_encounters(self, wk, volunteers)
        iu, iv, ic = self.interventions.weekly(self, wk)
        # awareness and trust draw nothing and nothing reads them before the week's end:
        # updated while the helper pairs the meetings, rather than after the merge
        participation.update_awareness(self, wk, volunteers)
        participation.update_trust(self, wk, volunteers)
        ou, ov, oc = [*ou, *iu], [*ov, *iv], [*oc, *ic]
        # the meetings near home come packed and sorted from the helper; the rest are
        # packed and sorted here meanwhile (no draws: the merge's come after word of mouth)
        du, dv, dc = met.unsorted()
        mine = self.ties.sort_encounters(
            np.concatenate([*du, *ou]),
            np.concatenate([*dv, *ov]),
            np.concatenate([*dc, *(np.full(len(x), c) for x, c in zip(ou, oc, strict=True))]),
        )
        us, vs = met.pairs()  # paired meanwhile on the helper thread
        organisations.npos.word_of_mouth(
            self, np.concatenate([*us, *ou]), np.concatenate([*vs, *ov])
        )
        formed, dissolved = self.ties.apply_week_sorted(
            mine, np.minimum(self._form_prob * self._formation_scale, 1.0), p.tie_strengthen,
            self.week, rng, p.tie_decay, p.tie_floor, presorted=met.near_packed(),
        )  # fmt: skip
        if census:  # the lists and the census, meanwhile
            sample = clustering_sample(self, self.population.alive_idx())
            self._census = tie_census_later(self, sample)
        else:
            self.ties.build_lists(self.population.capacity)  # for next week, meanwhile

        giving = 0.0
        if self.week % 4 == 0:
            participation.start_gift_period(self)
            _, amounts = participation.donate(self, wk)
            giving += float(amounts.sum())
        if self.week % 52 == 40:
            _, amounts = participation.community_chest(self, wk)
            giving += float(amounts.sum())
        organisations.calendar(self, wk)
        membership.update_membership(self, wk.households)

        self.flows.update(
            ties_formed=float(formed),
            ties_dissolved=float(dissolved),
            volunteers=float(len(np.union1d(volunteers, also_volunteered))),
            giving_yen=giving,
            place_visits=float(len(visitors)),
        )
        for channel, yen in self.ledger.week_totals(self.week).items():
            self.tallies.add(f"yen_{channel}", yen)

    def _observe(self) -> None:
        census, self._census = self._census, None  # counted meanwhile, collected in measure
        if census is None:
            census = tie_census(self, clustering_sample(self, self.population.alive_idx()))
        self.latest = measure(self, census)
        self._update_layers(census.by_class)  # (filled: measure collected the census)
        self.datacollector.collect(self)

    def _update_layers(self, by_class: np.ndarray) -> None:
        """The map's layers: per-cell residents, volunteer rate, mean degree and elders
        living alone, counted in one compiled pass (``by_class``: the week's tie census)."""
        pop = self.population
        layers = self.layers
        outcome_kernels.fill_layers(
            pop.alive_idx(), pop.cell, pop.age, pop.last_volunteer_week, self.week, by_class,
            self.lives_alone, layers["residents"].data, layers["volunteer_rate"].data,
            layers["mean_degree"].data, layers["elders_alone"].data,
        )  # fmt: skip

    # --- outputs -------------------------------------------------------------------------------
    def outcomes(self):
        """The per-week outcomes table (pandas), one row per week from week 0."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "week", np.arange(len(df)))
        df.insert(1, "year", df["week"] / 52.0)
        return df

    def disaster_table(self):
        """One row per shock so far: its acute phase (who was reached, by whom, when; who
        died) and its recovery (weeks to 95% of community function, resilience loss)."""
        rows = []
        for i, (record, track) in enumerate(
            zip(self.disaster_records, self.shock_tracks, strict=True)
        ):
            row = {"shock": i, **record.row()}
            row["recovery_weeks"] = track.recovery_weeks
            row["resilience_loss"] = track.loss
            rows.append(row)
        return pd.DataFrame(rows)

    def place_table(self):
        """Weekly visits to each place (pandas; empty for a town without places)."""
        if not self.datacollector.agenttype_reporters:
            return pd.DataFrame(columns=["week", "place", "visits", "capacity"])
        df = self.datacollector.get_agenttype_vars_dataframe(Place).reset_index()
        df = df.rename(columns={"Step": "week", "AgentID": "place"})
        df["week"] = df["week"].astype(int)
        return df

    def resident(self, slot: int) -> Resident:
        return self._handles[slot]

    def tie_graph(self, strong_only: bool = False) -> nx.Graph:
        """The tie network as networkx; nodes are residents' Mesa ``unique_id``s.

        Node attributes: age, female, household, lives_alone, volunteered (last 52
        weeks), association_member, pos (grid x, y). Edge attributes: weight, strong,
        context (where it formed) and formed (week).
        """
        pop = self.population
        net = self.ties
        if strong_only:
            net = net.subset(net.weight >= self.params.strong_threshold)
        g = net.to_networkx(self._agent_id, self.params.strong_threshold)
        idx = pop.alive_idx()
        vol = pop.within("last_volunteer_week", self.week, slots=idx)
        x, y = self.geography.xy(pop.cell[idx])
        member = self.households.member[pop.household[idx]]
        g.add_nodes_from(
            (int(self._agent_id[s]), {
                "slot": int(s), "age": float(pop.age[s]), "female": bool(pop.female[s]),
                "household": int(pop.household[s]), "lives_alone": bool(self.lives_alone[s]),
                "volunteered": bool(v), "association_member": bool(m), "pos": (int(xx), int(yy)),
            })
            for s, v, m, xx, yy in zip(idx, vol, member, x, y, strict=True)
        )  # fmt: skip
        return g
