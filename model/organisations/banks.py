"""The regional bank (report challenges 15-17, paths 11-12, 26-27).

It lends to NPOs and social enterprises judged on their accounts: reserves against
costs, self-reliance, know-how and track record make a credit score; below a threshold
there is no loan, above it the loan grows with the score. Loans are repaid monthly
with interest; three missed payments, or the borrower closing, make a default and the
rest is written off. The bank advises a few clients a month (raising their know-how),
and can host a local platform where people from different organisations meet
(path 17) and send retired staff to advise NPOs (path 12).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model import ledger
from model.organisations.base import Organisation

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

MISSED_FOR_DEFAULT = 3


@dataclass
class Loan:
    borrower: Organisation
    principal: int
    outstanding: float
    monthly_payment: float
    issued_week: int
    missed: int = 0


class RegionalBank(Organisation):
    kind = "bank"

    def __init__(self, model: KizunaModel, cell_index: int) -> None:
        super().__init__(model, cell_index, "regional bank")
        self.loans: list[Loan] = []
        self.defaults = 0
        self.written_off = 0.0

    @property
    def outstanding(self) -> float:
        return float(sum(loan.outstanding for loan in self.loans))

    def credit_score(self, org: Organisation) -> float:
        """0-1 from the applicant's accounts: income against costs over the last year,
        reserves, know-how and years of record, less what it already owes. An
        organisation that defaulted before gets nothing."""
        if org.defaulted:
            return 0.0
        years = (self.model.week - org.founded_week) / 52.0
        track = min(max(years, 0.0) / 5.0, 1.0)
        know_how = float(getattr(org, "know_how", 0.0))
        monthly_costs = max(float(getattr(org, "monthly_costs", 1.0)), 1.0)
        reserve = float(np.clip(org.funds / monthly_costs / 6.0, -1.0, 1.0))
        ratio = org.self_reliance
        ratio = 0.8 if ratio is None else ratio  # no record yet: a cautious guess
        score = 0.4 * min(ratio, 1.2) / 1.2 + 0.2 * reserve + 0.2 * know_how + 0.2 * track
        debt = sum(loan.outstanding for loan in self.loans if loan.borrower is org)
        score -= 0.3 * min(debt / (12.0 * monthly_costs), 1.0)
        return float(np.clip(score, 0.0, 1.0))

    def offer(self, org: Organisation, amount: float) -> int:
        """How much the bank would lend for a request of ``amount`` yen."""
        score = self.credit_score(org)
        threshold = self.model.params.loan_threshold
        if score < threshold or amount <= 0:
            return 0
        share = 0.5 + 0.5 * (score - threshold) / max(1.0 - threshold, 1e-9)
        return round(amount * min(share, 1.0))

    def apply(self, org: Organisation, amount: float) -> int:
        """Lend what the offer says (if anything); returns the yen lent."""
        granted = self.offer(org, amount)
        if granted <= 0 or self.funds < granted:
            return 0
        p = self.model.params
        months = max(1, round(p.loan_term / 4.33))
        r = p.loan_rate / 12.0
        payment = granted * r / (1.0 - (1.0 + r) ** -months) if r > 0 else granted / months
        self.pay(org.account, "loan", granted)
        self.loans.append(Loan(org, granted, float(granted), payment, self.model.week))
        org.bank_contact_week = self.model.week  # challenge 16
        model = self.model
        model.flows["loans_issued"] = model.flows.get("loans_issued", 0.0) + granted
        return granted

    def monthly(self) -> None:
        """Collect repayments, declare defaults, advise clients, host the platform."""
        model = self.model
        r = model.params.loan_rate / 12.0
        keep: list[Loan] = []
        for loan in self.loans:
            borrower = loan.borrower
            if not borrower.active:
                self._default(loan)
                continue
            due = min(loan.monthly_payment, loan.outstanding * (1.0 + r))
            if borrower.funds >= due:
                paid = borrower.pay(self.account, "repayment", due)
                loan.outstanding = max(0.0, loan.outstanding * (1.0 + r) - paid)
                loan.missed = 0
            else:
                loan.missed += 1
            if loan.missed >= MISSED_FOR_DEFAULT:
                self._default(loan)
            elif loan.outstanding > 0.5:
                keep.append(loan)
        self.loans = keep
        self._advise()
        self._platform()

    def _default(self, loan: Loan) -> None:
        loan.borrower.defaulted = True
        self.defaults += 1
        self.written_off += loan.outstanding
        model = self.model
        model.flows["loan_defaults"] = model.flows.get("loan_defaults", 0.0) + 1.0
        loan.outstanding = 0.0

    def write_off(self, org: Organisation) -> None:
        """A borrower closed: its loans default now."""
        keep = []
        for loan in self.loans:
            if loan.borrower is org:
                self._default(loan)
            else:
                keep.append(loan)
        self.loans = keep

    def _advise(self) -> None:
        """Advice to borrowers first, then other organisations that could use it; retired
        staff (path 12) add their own advice."""
        model = self.model
        p = model.params
        clients = [loan.borrower for loan in self.loans if hasattr(loan.borrower, "know_how")]
        others = [o for o in model.npos + model.social_enterprises if o.active]
        pool = list(dict.fromkeys(clients + others))
        n = model.rng.poisson(p.bank_advice + p.retiree_advisers)
        if not pool or n == 0:
            return
        model.tallies.add("bank_advice", min(n, len(pool)))  # challenge 15
        for i in model.rng.choice(len(pool), size=min(n, len(pool)), replace=False):
            org = pool[int(i)]
            org.know_how += p.advice_know_how * (1.0 - org.know_how)

    def _platform(self) -> None:
        """A local platform meeting (challenge 17; path 11 holds them): association leaders
        and people from NPOs and firms meet; NPOs and social enterprises pick up know-how."""
        model = self.model
        p = model.params
        if p.platform_meetings <= 0 or model.rng.random() >= p.platform_meetings / 12.0:
            return
        model.pending_cross_sector.append(model.organisation_people())
        model.tallies.add("platform_meetings")  # challenge 17
        for org in model.npos + model.social_enterprises:
            if org.active:
                org.know_how += 0.5 * p.advice_know_how * (1.0 - org.know_how)
                org.bank_contact_week = model.week  # challenge 16


def endow(bank: RegionalBank) -> None:
    bank.receive(ledger.DEPOSITS, "endowment", bank.model.params.bank_capital)
