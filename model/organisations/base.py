"""What every organisation shares: a place on the map and an account in the ledger."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mesa.discrete_space import FixedAgent

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

NOT_INCOME = {"loan", "endowment", "social_investment"}  # capital, not earned or given


class Organisation(FixedAgent):
    """A Mesa agent fixed to one cell whose money lives in the model's ledger."""

    kind = "organisation"

    def __init__(self, model: KizunaModel, cell_index: int, name: str | None = None) -> None:
        super().__init__(model)
        self.cell_index = int(cell_index)
        self.cell = model.cells[self.cell_index]
        self.account = f"{self.kind}:{self.unique_id}"
        self.name = name or self.account
        model.accounts[self.account] = self  # kept after closing, for the ledger's sake
        self.founded_week = model.week
        self.active = True
        self.income_month = 0.0  # earned and given this month (not loans or endowments)
        self.income_12m: list[float] = []
        self.costs_12m: list[float] = []
        self.defaulted = False  # the bank remembers

    @property
    def funds(self) -> int:
        """Yen held: the ledger balance of this organisation's account."""
        return self.model.ledger.balance(self.account)

    def pay(self, dest: str, channel: str, amount: float) -> int:
        return self.model.ledger.transfer(self.account, dest, channel, amount)

    def receive(self, source: str, channel: str, amount: float) -> int:
        yen = self.model.ledger.transfer(source, self.account, channel, amount)
        if channel not in NOT_INCOME:
            self.income_month += yen
        return yen

    def close_month(self, costs: float) -> None:
        """Roll this month's income and costs into the twelve-month record."""
        self.income_12m = [*self.income_12m[-11:], self.income_month]
        self.costs_12m = [*self.costs_12m[-11:], costs]
        self.income_month = 0.0

    @property
    def self_reliance(self) -> float | None:
        """Income over costs for the last twelve months (None before the first month)."""
        if not self.costs_12m:
            return None
        return float(sum(self.income_12m) / max(sum(self.costs_12m), 1.0))

    def close(self) -> None:
        """Stop acting and leave Mesa's agent sets; the ledger keeps the history."""
        self.active = False
        self.remove()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name}, funds={self.funds:,} yen)"
