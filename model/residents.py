"""Residents as Mesa ``CellAgent`` handles onto rows of the population arrays.

The model steps the whole population with array operations; a ``Resident`` object is
what Mesa users hold: it lives in ``model.agents_by_type[Resident]``, sits in its home
cell, and its attributes read and write its own row. Writing ``resident.awareness =
0.9`` changes the array the next weekly step uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mesa.discrete_space import CellAgent

if TYPE_CHECKING:
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
