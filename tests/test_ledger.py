"""Money is conserved: every yen that leaves an account arrives in another, and only
the explicit external sources create money and the explicit sinks absorb it."""

from __future__ import annotations

import pandas as pd
import pytest

from model import ledger
from model.ledger import Ledger
from tests.towns import small_town


@pytest.fixture(scope="module")
def town():
    # two years, so every monthly and yearly flow (budgets, grants, CSR, loans) has run
    model = small_town(4000, seed=3, warmup_weeks=26)
    for _ in range(104):
        model.step()
    return model


def organisation_accounts(model) -> dict[str, object]:
    """Every organisation that ever held money, closed ones included."""
    return model.accounts


def test_every_account_balance_is_its_inflows_minus_outflows(town):
    flows = town.ledger.flows()
    inflow = flows.groupby("destination")["amount"].sum()
    outflow = flows.groupby("source")["amount"].sum()
    net = inflow.sub(outflow, fill_value=0).astype("int64")
    balances = pd.Series(dict(town.ledger.balances), dtype="int64")
    pd.testing.assert_series_equal(
        net.sort_index(), balances.sort_index(), check_names=False, check_index_type=False
    )


def test_money_only_appears_at_sources_and_vanishes_at_sinks(town):
    flows = town.ledger.flows()
    orgs = organisation_accounts(town)
    known = set(orgs) | set(ledger.SOURCES) | set(ledger.SINKS)
    assert set(flows["source"]) | set(flows["destination"]) <= known
    assert not flows["source"].isin(ledger.SINKS).any()  # nothing comes back from a sink
    assert not flows["destination"].isin(ledger.SOURCES).any()  # nor flows into a source
    created = flows.loc[flows["source"].isin(ledger.SOURCES), "amount"].sum()
    absorbed = flows.loc[flows["destination"].isin(ledger.SINKS), "amount"].sum()
    held = sum(town.ledger.balance(a) for a in orgs)
    assert created - absorbed == held  # to the yen
    assert sum(town.ledger.balances.values()) == 0  # double entry


def test_organisations_funds_are_their_ledger_balances(town):
    for account, org in organisation_accounts(town).items():
        assert org.funds == town.ledger.balance(account)


def test_every_expected_channel_carried_money(town):
    flows = town.ledger.flows()
    moved = flows.groupby("channel")["amount"].sum()
    for channel in (
        "budget", "dues", "gift_direct", "gift_foundation", "gift_outside",
        "community_chest", "csr_budget", "csr_donation", "foundation_grant",
        "government_grant", "association_subsidy", "revenue", "wages", "operations",
    ):  # fmt: skip
        assert moved.get(channel, 0) > 0, channel


def test_weekly_outcomes_match_the_ledger(town):
    flows = town.ledger.flows()
    df = town.outcomes().set_index("week")
    for week in (13, 26, 40, 52, 65):
        moved = flows[flows["week"] == week].groupby("channel")["amount"].sum()
        grants = moved.get("government_grant", 0) + moved.get("foundation_grant", 0)
        assert df.loc[week, "grants_paid"] == grants
        assert df.loc[week, "gifts_direct"] == moved.get("gift_direct", 0)
        assert df.loc[week, "gifts_community_chest"] == moved.get("community_chest", 0)


def test_transfers_are_whole_yen_and_never_negative():
    book = Ledger()
    assert book.transfer(ledger.RESIDENTS, "npo:1", "gift_direct", 1000.4) == 1000
    assert book.balance("npo:1") == 1000
    with pytest.raises(ValueError):
        book.transfer("npo:1", ledger.WAGES, "wages", -5)
    with pytest.raises(ValueError):
        book.transfer("npo:1", ledger.WAGES, "not-a-channel", 5)
    assert book.transfer("npo:1", ledger.WAGES, "wages", 0.2) == 0  # nothing recorded
    assert len(book) == 1
