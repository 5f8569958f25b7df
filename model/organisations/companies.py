"""Companies and social enterprises (report challenges 8-14, paths 13-15, 19).

Every local workplace is run by a company whose employees are residents (that is where
workplace encounters come from). Once a year a company sets aside a community budget
(CSR) from its earnings, gives part of it to an NPO or the community foundation and
spends the rest on its own programmes. Firms with an employee volunteering programme
make their staff more likely to volunteer, and lend their partner NPO know-how (pro
bono). A social enterprise earns from a market against its costs; its self-reliance
is revenue over costs; know-how raises revenue; it borrows when short and closes when
it cannot. Small firms sometimes become social enterprises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from model import ledger
from model.organisations.base import Organisation

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel

LARGE_FIRM = 50  # employees: CSR at the large-firm rate
PROGRAMME_FIRM = 30  # employees: likely to run a volunteering programme
SE_WAGE = 3_000_000.0  # yen per social-enterprise employee per year
SE_OVERHEAD = 1_200_000.0  # yen per year


class Employer(Organisation):
    """An organisation that employs residents at one local workplace."""

    def __init__(self, model: KizunaModel, workplace: int, name: str | None = None) -> None:
        super().__init__(model, int(model.venues.workplace_cell[workplace]), name)
        self.workplace = int(workplace)

    @property
    def employees(self) -> int:
        pop = self.model.population
        return int((pop.alive & (pop.employer == self.workplace)).sum())


class Company(Employer):
    kind = "company"

    def __init__(self, model: KizunaModel, workplace: int) -> None:
        super().__init__(model, workplace)
        self.partner_npo: int | None = None  # index into model.npos

    @property
    def programme(self) -> bool:
        """Whether the firm runs an employee volunteering programme."""
        return bool(self.model.programme[self.workplace])

    @programme.setter
    def programme(self, on: bool) -> None:
        self.model.programme[self.workplace] = on

    def yearly(self, employees: int) -> None:
        """Set the community budget aside; give part of it; lend know-how pro bono."""
        model = self.model
        p = model.params
        rate = p.csr_per_employee_large if employees >= LARGE_FIRM else p.csr_per_employee_small
        budget = self.receive(ledger.COMPANY_EARNINGS, "csr_budget", employees * rate)
        if budget <= 0:
            return
        partner = self._partner()
        gift = budget * p.csr_to_npos
        if partner is not None:
            self.pay(partner.account, "csr_donation", gift)
            if self.programme:
                partner.know_how += p.pro_bono_know_how * (1.0 - partner.know_how)
        elif model.foundation is not None:
            self.pay(model.foundation.account, "csr_donation", gift)
        else:
            gift = 0
        self.pay(ledger.OPERATIONS, "operations", budget - gift)

    def _partner(self):
        npos = self.model.npos
        if self.partner_npo is not None and npos[self.partner_npo].active:
            return npos[self.partner_npo]
        active = [n for n in npos if n.active and n.kind == "npo"]
        if not active:
            return None
        # firms choose NPOs close by
        d = self.model.geography.chebyshev(
            np.array([n.cell_index for n in active]), self.cell_index
        )
        choice = active[int(np.argmin(d + self.model.rng.random(len(d))))]
        self.partner_npo = choice.index
        return choice


class SocialEnterprise(Employer):
    kind = "social_enterprise"

    def __init__(self, model: KizunaModel, workplace: int, know_how: float) -> None:
        super().__init__(model, workplace)
        self.know_how = float(know_how)
        self.deficit_months = 0

    @property
    def monthly_costs(self) -> float:
        return (max(self.employees, 1) * SE_WAGE + SE_OVERHEAD) / 12.0

    @property
    def self_reliance(self) -> float:
        """Revenue over costs, last twelve months (or the expected ratio when new)."""
        if not self.costs_12m:
            return self.model.params.se_market * (0.6 + 0.8 * self.know_how)
        return float(sum(self.income_12m) / max(sum(self.costs_12m), 1.0))

    def monthly(self) -> None:
        model = self.model
        p = model.params
        costs = self.monthly_costs
        noise = float(np.exp(model.rng.normal(0.0, 0.25)))
        revenue = costs * p.se_market * (0.6 + 0.8 * self.know_how) * noise
        self.receive(ledger.MARKET, "revenue", revenue)
        paid = self.pay(ledger.WAGES, "wages", costs - SE_OVERHEAD / 12.0)
        paid += self.pay(ledger.OPERATIONS, "operations", SE_OVERHEAD / 12.0)
        self.close_month(paid)
        if self.funds < costs and model.bank is not None:
            model.bank.apply(self, 6 * costs)
        self.deficit_months = self.deficit_months + 1 if self.funds < -3 * costs else 0
        if self.deficit_months >= 3:
            self.close()

    def close(self) -> None:
        """The business stops: its staff lose this job, the bank writes off its loans."""
        model = self.model
        pop = model.population
        pop.employer[pop.employer == self.workplace] = -1
        model.venues.workplace_weight[self.workplace] = 0.0  # nobody is hired here any more
        if model.bank is not None:
            model.bank.write_off(self)
        super().close()


def convert_to_social_enterprise(model: KizunaModel, company: Company) -> SocialEnterprise:
    """A small firm turns its business toward a social purpose (path 15)."""
    se = SocialEnterprise(model, company.workplace, know_how=float(model.rng.beta(2, 3)))
    se.receive(company.account, "endowment", max(company.funds, 0))
    company.close()
    model.employers[company.workplace] = se
    model.social_enterprises.append(se)
    return se


def yearly(model: KizunaModel) -> None:
    """CSR for every firm; some small firms convert to social enterprises."""
    pop = model.population
    employees = np.bincount(
        pop.employer[pop.alive & (pop.employer >= 0)], minlength=model.venues.n_workplaces
    )
    p = model.params
    for employer in list(model.employers):
        if isinstance(employer, Company) and employer.active:
            n = int(employees[employer.workplace])
            employer.yearly(n)
            small = 3 <= n <= 30
            if small and model.rng.random() < p.sme_conversion_rate:
                convert_to_social_enterprise(model, employer)
