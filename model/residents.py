"""Residents as Mesa ``CellAgent`` handles onto rows of the population arrays.

The model steps the whole population with array operations; a ``Resident`` object is
what Mesa users hold: it lives in ``model.agents_by_type[Resident]``, sits in its home
cell, and its attributes read and write its own row. Writing ``resident.awareness =
0.9`` changes the array the next weekly step uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mesa.discrete_space import CellAgent
from mesa.experimental.mesa_signals import ModelSignals

if TYPE_CHECKING:
    from mesa.discrete_space import Cell

    from model.kizuna_model import KizunaModel


class _Column:
    """Descriptor exposing one population column as an agent attribute."""

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        return getattr(agent.model.population, self.name)[agent.slot].item()

    def __set__(self, agent: Any, value: Any) -> None:
        getattr(agent.model.population, self.name)[agent.slot] = value


class Resident(CellAgent):
    """One resident; state lives in ``model.population`` at row ``slot``."""

    age = _Column("age in years")
    female = _Column("True for women")
    household = _Column("household id")
    employer = _Column("local workplace id, -1 none, -2 outside the municipality")
    school = _Column("school id, or -1")
    frailty = _Column("0 (robust) to 1 (frail); rises with age")
    awareness = _Column("awareness of local challenges, 0-1 (challenge 1)")
    propensity = _Column("civic propensity, 0-1: a lasting disposition to take part")
    sociability = _Column("how much one seeks company (mean 1): scales visits and meetings")
    free_time = _Column("share of time free for community life, 0-1")
    income = _Column("yen per year")
    motivation = _Column("volunteer motivation, 0-1: worn by effort, restored by rest")
    trust = _Column("trust in NPOs, 0-1")

    def __init__(self, model: KizunaModel, slot: int) -> None:
        super().__init__(model)
        self.slot = int(slot)
        self.cell = model.cells[int(model.population.cell[slot])]

    @property
    def lives_alone(self) -> bool:
        return bool(self.model.lives_alone[self.slot])

    @property
    def association_member(self) -> bool:
        return bool(self.model.households.member[self.model.population.household[self.slot]])

    @property
    def volunteered_last_year(self) -> bool:
        pop = self.model.population
        return bool(pop.within("last_volunteer_week", self.model.week, slots=self.slot))

    @property
    def donated_last_year(self) -> bool:
        pop = self.model.population
        return bool(pop.within("last_donation_week", self.model.week, slots=self.slot))

    def ties(self) -> list[tuple[int, float]]:
        """(slot, weight) of this resident's ties."""
        net = self.model.ties
        at_a = net.a == self.slot
        at_b = net.b == self.slot
        return list(
            zip(
                [*net.b[at_a].tolist(), *net.a[at_b].tolist()],
                [*net.weight[at_a].tolist(), *net.weight[at_b].tolist()],
                strict=True,
            )
        )

    def __repr__(self) -> str:
        return f"Resident(slot={self.slot}, age={self.age:.0f})"


# --- handles in batches --------------------------------------------------------------------------
# A town adds and removes dozens of residents a week and 100,000 at set-up; Mesa's
# per-agent path (Agent.__init__ -> register_agent with its signal wrapper, logging and
# two agent sets, then the cell setter) costs about 8 us a handle. When nothing can tell
# the difference — no dataset tracks residents, nobody observes agents being added or
# removed, no signal batch is open — the same bookkeeping is done in one loop: the same
# unique_ids in the same order, the same entries in model.agents, agents_by_type and
# each cell. Otherwise Mesa's own path runs.


def _quiet(model: KizunaModel, signal: str) -> bool:
    """Whether adding/removing a resident through Mesa would have no effect beyond its
    bookkeeping (no observers, no open signal batch, no dataset of residents)."""
    return (
        not Resident._datasets
        and model._batch_context is None
        and not model._has_subscribers("agents", signal)
    )


def create_handles(model: KizunaModel, slots: list[int], cells: list[Cell]) -> list[Resident]:
    """Mesa agents for new residents at ``slots`` living in ``cells``, in order."""
    if not _quiet(model, ModelSignals.AGENT_ADDED):
        return [Resident(model, s) for s in slots]
    if not slots:
        return []
    if Resident not in model._agents_by_type:  # Mesa sets up the agent type
        return [Resident(model, slots[0]), *create_handles(model, slots[1:], cells[1:])]
    every = model._all_agents._agents
    by_type = model._agents_by_type[Resident]._agents
    first_id = model.agent_id_counter
    new = Resident.__new__
    agents: list[Resident] = []
    for i, (s, cell) in enumerate(zip(slots, cells, strict=True)):
        agent = new(Resident)
        agent.model = model
        agent.unique_id = first_id + i
        agent.pos = None
        agent.slot = s
        every[agent] = None
        by_type[agent] = None
        cell.add_agent(agent)
        agent._mesa_cell = cell
        agents.append(agent)
    model.agent_id_counter = first_id + len(agents)
    return agents


def remove_handles(model: KizunaModel, agents: list[Resident]) -> None:
    """Remove residents' Mesa agents from the model and from their cells."""
    if not _quiet(model, ModelSignals.AGENT_REMOVED) or Resident not in model._agents_by_type:
        for agent in agents:
            agent.remove()
        return
    every = model._all_agents._agents
    by_type = model._agents_by_type[Resident]._agents
    for agent in agents:
        if agent in by_type:  # Agent.remove ignores agents already deregistered
            del by_type[agent]
            every.pop(agent, None)
        cell = agent._mesa_cell
        if cell is not None:
            cell.remove_agent(agent)
            agent._mesa_cell = None
