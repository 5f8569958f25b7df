"""Residents are Mesa agents whose state lives in arrays: the two views must agree."""

from __future__ import annotations

import numpy as np

from model import Resident
from model.population import Population


def test_slots_are_reused_and_growth_keeps_data():
    pop = Population(capacity=4)
    first = pop.allocate(4)
    pop.age[first] = [10, 20, 30, 40]
    more = pop.allocate(6)  # forces growth
    assert pop.capacity >= 10
    assert list(pop.age[first]) == [10, 20, 30, 40]
    pop.release(first[:2])
    again = pop.allocate(2)
    assert set(again.tolist()) == set(first[:2].tolist())
    assert pop.age[again].tolist() == [0.0, 0.0]  # fresh defaults, not the dead's state
    assert pop.size == 10
    assert not set(again) & set(more)


def test_agents_mirror_the_population(town):
    pop = town.population
    residents = town.agents_by_type[Resident]
    alive = pop.alive_idx()
    assert len(residents) == len(alive)
    assert sorted(a.slot for a in residents) == alive.tolist()
    for agent in list(residents)[:200]:
        x, y = agent.cell.coordinate
        assert x * town.geography.height + y == pop.cell[agent.slot]
        assert agent.age == float(pop.age[agent.slot])


def test_agent_attributes_write_through_to_arrays(town):
    agent = next(iter(town.agents_by_type[Resident]))
    agent.awareness = 0.75
    assert np.isclose(town.population.awareness[agent.slot], 0.75)
    town.population.trust[agent.slot] = 0.2
    assert np.isclose(agent.trust, 0.2)


def test_births_deaths_and_moves_keep_agents_in_step(town):
    for _ in range(20):
        town.step()
    pop = town.population
    residents = town.agents_by_type[Resident]
    assert len(residents) == pop.size
    assert all(pop.alive[a.slot] for a in residents)
    df = town.outcomes()
    change = df["population"].diff().iloc[1:]
    flows = (df["births"] - df["deaths"] + df["in_migrants"] - df["out_migrants"]).iloc[1:]
    assert (change == flows).all()
    assert df["births"].sum() > 0 and df["deaths"].sum() > 0
