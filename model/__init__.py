"""kizuna's simulation: a Mesa model of ties and mutual assistance in one municipality."""

from model.kizuna_model import KizunaModel
from model.outcomes import OUTCOME_NAMES, OUTCOMES, Outcome
from model.params import Params
from model.places import Place
from model.regions import REGION_KINDS, REGIONS, RegionProfile, get_region
from model.residents import Resident
from model.ties import Context

__all__ = [
    "OUTCOMES",
    "OUTCOME_NAMES",
    "REGIONS",
    "REGION_KINDS",
    "Context",
    "KizunaModel",
    "Outcome",
    "Params",
    "Place",
    "RegionProfile",
    "Resident",
    "get_region",
]
