"""What every one of the report's 27 paths is: a timed, targeted intervention.

An intervention is switched on at ``start`` and off at ``end`` (weeks from the start
of the run; like Covasim/Starsim interventions). While on, it may
- change mechanism parameters (``param_changes``: applied to the town's baseline
  parameters, compounding over active paths in catalogue order);
- make some residents likelier to volunteer or give, or give them access to
  opportunities (``volunteer_factor``, ``donation_factor``, ``access_bonus``), for the
  residents its target picks out;
- act each week (``weekly``), e.g. hold a forum or a drill, returning encounters;
- do something once when it starts or ends (``on_start``, ``on_end``), e.g. open or
  close places.
It costs ``yearly_cost`` yen a year, paid weekly by its payer through the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from model import ledger

if TYPE_CHECKING:
    from model.kizuna_model import KizunaModel
    from model.params import Params
    from model.participation import WeekContext

IMAGES = ("establishing ties", "vitalizing local communities", "promoting participation")
ORGANISATION_KINDS = ("association", "npo", "company", "school", "university", "government")
_PAYER_SOURCE = {
    "government": ledger.TAXES,
    "companies": ledger.COMPANY_EARNINGS,
    "bank": ledger.DEPOSITS,
    "foundation": ledger.RESIDENTS,
}


@dataclass(frozen=True)
class Target:
    """Whom or where an intervention reaches; empty fields mean everyone/everywhere."""

    districts: tuple[int, ...] | None = None  # association districts
    ages: tuple[float, float] | None = None  # [low, high) in years
    sex: str | None = None  # "female" or "male"
    organisation: str | None = None  # which kind of organisation delivers it

    def residents(self, model: KizunaModel, slots: np.ndarray) -> np.ndarray:
        """Boolean mask over ``slots``: the residents this target reaches."""
        pop = model.population
        if self.districts is None and self.ages is None and self.sex is not None:
            female = pop.female[slots]  # the common case (path 9): one gather
            return female if self.sex == "female" else ~female
        mask = np.ones(len(slots), bool)
        if self.districts is not None:
            district = model.geography.district[pop.cell[slots]]
            mask &= np.isin(district, self.districts)
        if self.ages is not None:
            age = pop.age[slots]
            mask &= (age >= self.ages[0]) & (age < self.ages[1])
        if self.sex is not None:
            mask &= pop.female[slots] == (self.sex == "female")
        return mask

    @property
    def everyone(self) -> bool:
        """Whether the target leaves nobody out (``residents`` is all True)."""
        return self.districts is None and self.ages is None and self.sex is None

    def count(self, model: KizunaModel) -> int:
        """How many living residents the target reaches: ``residents`` over the alive
        slots, as masks over all slots (cheaper than gathering the alive ones)."""
        pop = model.population
        if self.districts is None and self.ages is None and self.sex is not None:
            # the common case (path 9): one mask and a count
            other = pop.female if self.sex == "female" else ~pop.female
            return int(np.count_nonzero(pop.alive & other))
        mask = pop.alive.copy()
        if self.districts is not None:
            mask &= np.isin(model.geography.district[pop.cell], self.districts)
        if self.ages is not None:
            mask &= (pop.age >= self.ages[0]) & (pop.age < self.ages[1])
        if self.sex is not None:
            mask &= pop.female == (self.sex == "female")
        return int(np.count_nonzero(mask))

    def cells(self, model: KizunaModel) -> np.ndarray:
        """Inhabited cells in the targeted districts (all inhabited cells if none)."""
        geo = model.geography
        occupied = geo.occupied()
        if self.districts is None:
            return occupied
        return occupied[np.isin(geo.district[occupied], self.districts)]

    def describe(self) -> str:
        parts = []
        if self.districts is not None:
            parts.append(f"districts {list(self.districts)}")
        if self.ages is not None:
            parts.append(f"ages {self.ages[0]:g}-{self.ages[1]:g}")
        if self.sex is not None:
            parts.append(self.sex)
        if self.organisation is not None:
            parts.append(f"via {self.organisation}")
        return ", ".join(parts) or "everyone"


class Intervention:
    """Base class of the 27 paths; subclasses fill in the class attributes and hooks."""

    number: ClassVar[int]
    slug: ClassVar[str]
    wording: ClassVar[str]  # the report's own words
    image: ClassVar[str]  # one of IMAGES
    acts_on: ClassVar[tuple[str, ...]]  # the agents it works through
    mechanism: ClassVar[str]  # what it changes in the model
    intensity_meaning: ClassVar[str]
    max_intensity: ClassVar[float] = 1.0
    targets: ClassVar[frozenset[str]] = frozenset()  # Target fields it honours
    organisations: ClassVar[tuple[str, ...]] = ()  # allowed Target.organisation values
    default_target: ClassVar[Target] = Target()
    indicator: ClassVar[str]  # the outcome it should move
    direction: ClassVar[int] = 1  # +1: should rise; -1: should fall
    cost_model: ClassVar[str]  # how yearly_cost is worked out, in words
    payer: ClassVar[str] = "government"  # who pays: government, companies, bank, foundation

    @classmethod
    def default_intensity(cls) -> float:
        return min(1.0, cls.max_intensity)

    def __init__(
        self,
        intensity: float | None = None,
        start: int = 0,
        end: int | None = None,
        target: Target | None = None,
    ) -> None:
        intensity = self.default_intensity() if intensity is None else intensity
        if not 0 <= intensity <= self.max_intensity:
            raise ValueError(
                f"path {self.number} intensity must be 0-{self.max_intensity:g}, got {intensity}"
            )
        if end is not None and end <= start:
            raise ValueError(f"path {self.number}: end ({end}) must be after start ({start})")
        self.intensity = float(intensity)
        self.start = int(start)
        self.end = None if end is None else int(end)
        self.target = target if target is not None else self.default_target
        self.active = False

    # --- timing ---------------------------------------------------------------------------
    def due(self, week: int) -> bool:
        return self.start <= week and (self.end is None or week < self.end)

    # --- hooks (defaults do nothing; each path overrides what it changes) -------------------
    def param_changes(self, p: Params) -> dict[str, float]:
        return {}

    def volunteer_factor(self, model: KizunaModel, slots: np.ndarray) -> np.ndarray | None:
        return None

    def donation_factor(self, model: KizunaModel, slots: np.ndarray) -> np.ndarray | None:
        return None

    def access_bonus(self, model: KizunaModel, slots: np.ndarray) -> np.ndarray | None:
        return None

    def on_start(self, model: KizunaModel) -> None:
        pass

    def on_end(self, model: KizunaModel) -> None:
        pass

    def weekly(self, model: KizunaModel, wk: WeekContext) -> tuple[np.ndarray, np.ndarray] | None:
        return None

    def yearly_cost(self, model: KizunaModel) -> float:
        raise NotImplementedError

    # --- money -----------------------------------------------------------------------------
    def weekly_cost_item(self, model: KizunaModel) -> tuple[str, str | None, int] | None:
        """This week's share of the yearly cost as a ``Ledger.transfer_batch`` item: from
        the payer's source, through the payer's account (none for firms, which spend their
        own earnings directly), whole yen; None when nothing moves."""
        yen = self.yearly_cost(model) / 52.0
        if yen <= 0 or round(yen) == 0:
            return None
        # the payer's account: model.government, model.bank or model.foundation, if any
        holder = None if self.payer == "companies" else getattr(model, self.payer)
        via = None if holder is None else holder.account
        return _PAYER_SOURCE[self.payer], via, round(yen)

    # --- description -----------------------------------------------------------------------
    @classmethod
    def describe(cls) -> dict[str, Any]:
        return {
            "number": cls.number,
            "slug": cls.slug,
            "image": cls.image,
            "wording": cls.wording,
            "acts_on": ", ".join(cls.acts_on),
            "mechanism": cls.mechanism,
            "intensity": cls.intensity_meaning,
            "max_intensity": cls.max_intensity,
            "targeting": ", ".join(sorted(cls.targets)) or "-",
            "indicator": f"{cls.indicator} {'up' if cls.direction > 0 else 'down'}",
            "cost": cls.cost_model,
            "payer": cls.payer,
        }

    def __repr__(self) -> str:
        end = "" if self.end is None else f"-{self.end}"
        return (
            f"Path{self.number}({self.slug}, intensity={self.intensity:g}, weeks {self.start}{end})"
        )
