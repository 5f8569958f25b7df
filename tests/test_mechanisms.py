"""Each mechanism moves its outcome in the expected direction (common random numbers:
the same seeds in every arm, so differences come from the mechanism, not from luck)."""

from __future__ import annotations

import numpy as np

from tests.towns import mean_over_seeds, run_town


def test_more_places_give_elders_more_ties():
    # visits made frequent in both arms, so the comparison is about the places
    visits = {"place_visit_elder": 0.15}
    few = mean_over_seeds("elder_mean_degree", 26, places_per_10k=0.0, params=visits)
    many = mean_over_seeds("elder_mean_degree", 26, places_per_10k=25.0, params=visits)
    assert many > few * 1.1


def test_faster_decay_leaves_fewer_strong_ties():
    slow = mean_over_seeds("mean_strong_degree", 13, params={"tie_decay": 0.02})
    fast = mean_over_seeds("mean_strong_degree", 13, params={"tie_decay": 0.08})
    assert fast < slow * 0.9


def test_zero_propensity_means_nobody_volunteers():
    df = run_town(13, params={"propensity_scale": 0.0})
    assert (df["volunteer_rate"] == 0).all()
    assert (df["volunteers_this_week"] == 0).all()


def test_a_shrinking_region_loses_population():
    for seed in (1, 2):
        df = run_town(104, region="rural_town", population=2000, seed=seed)
        assert df["population"].iloc[-1] < df["population"].iloc[0] * 0.985


def test_visits_keep_close_friends():
    none = mean_over_seeds("no_close_friend_60_plus", 13, params={"visit_rate": 0.0})
    some = mean_over_seeds("no_close_friend_60_plus", 13)
    assert some < none - 0.1


def test_stronger_age_homophily_means_fewer_ties_across_generations():
    mixed = mean_over_seeds("bridging_age_share", 13, params={"homophily_age_scale": 40.0})
    sorted_by_age = mean_over_seeds("bridging_age_share", 13, params={"homophily_age_scale": 4.0})
    assert sorted_by_age < mixed * 0.8


def test_school_duties_raise_parents_volunteering():
    base = mean_over_seeds("volunteer_rate_40_49", 13)
    none = mean_over_seeds("volunteer_rate_40_49", 13, params={"school_parent_effect": 0.0})
    assert base > none * 1.1


def test_association_membership_spreads_awareness():
    low = mean_over_seeds("awareness_mean", 13, association_membership=0.2)
    high = mean_over_seeds("awareness_mean", 13, association_membership=0.95)
    assert high > low


def test_volunteering_hazard_drives_the_volunteer_rate():
    rates = [
        mean_over_seeds("volunteer_rate", 13, params={"volunteer_hazard": h})
        for h in (0.02, 0.05, 0.1)
    ]
    assert np.all(np.diff(rates) > 0)


def test_elders_moving_to_family_leaves_fewer_elders_alone():
    stay = mean_over_seeds("elders_living_alone", 52, params={"elder_alone_move_rate": 0.0})
    move = mean_over_seeds("elders_living_alone", 52, params={"elder_alone_move_rate": 0.3})
    assert move < stay - 0.02
