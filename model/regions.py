"""Region kinds: what makes an urban ward, a suburb and a rural town different.

A region profile sets size, age structure, households, settlement pattern, work,
migration, neighbourhood associations and places for mutual assistance. The mechanism
constants that do not depend on the region live in ``params.py``.

Sources (rounded; each profile says which it follows):
- Age structure and households: 2015 Population Census (Statistics Bureau of Japan).
  National: 12.6% aged 0-14, 26.6% aged 65+, 2.33 persons per household. The urban
  ward follows Tokyo's 23 special wards (65+ about 22%, 1.9 persons per household);
  the rural town follows the aggregate of Japan's towns and villages (65+ above 33%).
- Living alone among those 65+: 16.8% nationally (men 12.5%, women 20.1%), 2015
  census as quoted in the Annual Report on the Ageing Society; big cities run higher,
  rural towns lower (multi-generation households).
- Households in a neighbourhood association: about 78% (2010), MIC surveys; big-city
  wards run lower (about 55-60%), rural towns higher (about 90%).
- Places for mutual assistance: about 37,000 "kayoi-no-ba" community salons in 2015
  (one per about 3,400 people), MHLW survey of the comprehensive preventive-care
  programme; about 4% of those 65+ attended regularly.
- Work: share of employed residents working in their own municipality, 2015 census
  (place of work): about 35% in Tokyo's wards, about 45% in suburbs, 70% in rural towns.
- Population change: about -0.1%/yr nationally, -1 to -2%/yr in shrinking rural
  towns (2010-2015 census); migration levels are calibrated to land there.
- NPOs: about 50,000 certified NPO corporations in 2015 (Cabinet Office), about 4 per
  10,000 residents, denser in cities. Social enterprises: about 20,000 in the narrow
  sense (METI 2015 estimate), about 2 per 10,000 (an assumption within a wide range).
- Volunteer fire corps (shobodan): about 860,000 members in 2015 (FDMA), 6.7 per
  1,000 residents, several times that in rural towns and fewer in big cities.
- Universities: about half of 18-year-olds enter higher education (MEXT); the share
  studying in their own municipality is an assumption (none in a rural town).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from model.vital_rates import N_AGE_GROUPS

REGION_KINDS = ("urban_ward", "suburban", "rural_town")


@dataclass(frozen=True)
class RegionProfile:
    """Statistics describing one kind of municipality."""

    kind: str
    description: str
    default_population: int
    # share of residents in each five-year age group 0-4 ... 100+ (normalised on use)
    age_shares: tuple[float, ...]
    alone_65_male: float  # share of men 65+ living alone
    alone_65_female: float  # share of women 65+ living alone
    elder_couple_share: float  # of elders not alone, share living as a couple only
    young_adults_with_parents: float  # share of single 18-34s living with parents
    adults_partnered: float  # share of adults 30-64 without children who live as couples
    young_alone_share: float  # share of those 18-34 living alone (census one-person rate)
    middle_alone_share: float  # share of those 35-64 living alone
    households_per_cell: int  # a grid cell is a block of this many dwellings
    occupied_share: float  # share of grid cells with dwellings
    settlement: str  # "dense", "gradient" or "hamlets": how dwellings cluster
    local_work_share: float  # of the employed, share working inside the municipality
    workplace_mean_size: float  # mean employees per local workplace
    out_migration_scale: float  # multiplier on the national out-migration schedule
    youth_exodus: float  # extra multiplier on out-migration at ages 15-24
    in_migration_rate: float  # arriving households per resident per year
    fertility_scale: float  # multiplier on national age-specific fertility
    association_membership: float  # initial share of households in the association
    association_join_new: float  # probability a newly formed household joins
    places_per_10k: float  # places for mutual assistance per 10,000 residents
    district_households: int  # households per neighbourhood-association district
    income_scale: float  # multiplier on national median incomes
    npos_per_10k: float  # NPO corporations per 10,000 residents
    social_enterprises_per_10k: float
    brigade_per_1000: float  # volunteer fire-corps members per 1,000 residents
    university_share: float  # of 18-21s not in work, share studying at a local university
    # mix of arriving households: young single, young couple, family with children,
    # single adult 30-64, retired couple (assumption shaped by the Report on Internal
    # Migration: young adults dominate moves; rural towns draw some U/I-turn retirees)
    arrival_mix: tuple[float, float, float, float, float]

    def age_distribution(self) -> np.ndarray:
        shares = np.asarray(self.age_shares, dtype=float)
        return shares / shares.sum()

    def share_65_plus(self) -> float:
        return float(self.age_distribution()[13:].sum())

    def with_overrides(self, **overrides: object) -> RegionProfile:
        """A copy with some fields replaced (used by scenario files and sweeps)."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise KeyError(f"unknown region field(s): {sorted(unknown)}")
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(overrides)
        return RegionProfile(**data)


# fmt: off
_NATIONAL_AGE = (3.9, 4.2, 4.4, 4.7, 4.8, 5.2, 5.9, 6.8, 7.7, 6.8, 6.3, 6.1, 7.1,
                 7.7, 6.2, 5.0, 3.9, 2.5, 1.1, 0.3, 0.05)
_URBAN_AGE = (4.0, 3.6, 3.4, 3.6, 6.0, 7.6, 7.9, 8.3, 8.9, 7.9, 6.5, 5.4, 5.4,
              6.3, 5.0, 4.3, 3.3, 2.0, 0.8, 0.2, 0.03)
_RURAL_AGE = (3.0, 3.4, 3.8, 4.0, 2.9, 3.4, 4.0, 4.8, 5.4, 5.4, 5.8, 6.8, 8.8,
              9.5, 7.8, 7.0, 6.2, 4.2, 1.9, 0.5, 0.08)
# fmt: on
assert len(_NATIONAL_AGE) == len(_URBAN_AGE) == len(_RURAL_AGE) == N_AGE_GROUPS

REGIONS: dict[str, RegionProfile] = {
    "urban_ward": RegionProfile(
        kind="urban_ward",
        description="A big-city ward: young adults, small households, high turnover, "
        "weak association membership (after Tokyo's 23 special wards, 2015).",
        default_population=20_000,
        age_shares=_URBAN_AGE,
        alone_65_male=0.18,
        alone_65_female=0.27,
        elder_couple_share=0.60,
        young_adults_with_parents=0.6,
        adults_partnered=0.45,
        young_alone_share=0.40,
        middle_alone_share=0.18,
        households_per_cell=12,
        occupied_share=0.92,
        settlement="dense",
        local_work_share=0.35,
        workplace_mean_size=14.0,
        out_migration_scale=1.55,
        youth_exodus=1.0,
        in_migration_rate=0.048,
        fertility_scale=0.85,
        association_membership=0.58,
        association_join_new=0.35,
        places_per_10k=2.4,
        district_households=400,
        income_scale=1.2,
        npos_per_10k=5.0,
        social_enterprises_per_10k=3.0,
        brigade_per_1000=2.5,
        university_share=0.35,
        arrival_mix=(0.45, 0.20, 0.15, 0.15, 0.05),
    ),
    "suburban": RegionProfile(
        kind="suburban",
        description="A mid-sized suburban municipality close to Japan's 2015 averages "
        "(65+ 26.6%, 2.3 persons per household, -0.1%/yr).",
        default_population=10_000,
        age_shares=_NATIONAL_AGE,
        alone_65_male=0.125,
        alone_65_female=0.201,
        elder_couple_share=0.52,
        young_adults_with_parents=0.85,
        adults_partnered=0.45,
        young_alone_share=0.24,
        middle_alone_share=0.11,
        households_per_cell=6,
        occupied_share=0.80,
        settlement="gradient",
        local_work_share=0.45,
        workplace_mean_size=10.0,
        out_migration_scale=1.0,
        youth_exodus=1.15,
        in_migration_rate=0.023,
        fertility_scale=1.0,
        association_membership=0.78,
        association_join_new=0.65,
        places_per_10k=2.9,
        district_households=250,
        income_scale=1.0,
        npos_per_10k=4.0,
        social_enterprises_per_10k=2.0,
        brigade_per_1000=6.0,
        university_share=0.2,
        arrival_mix=(0.30, 0.20, 0.30, 0.12, 0.08),
    ),
    "rural_town": RegionProfile(
        kind="rural_town",
        description="A shrinking rural town: oldest population, multi-generation "
        "households, hamlets, youth leaving for the cities (-1.5%/yr).",
        default_population=5_000,
        age_shares=_RURAL_AGE,
        alone_65_male=0.10,
        alone_65_female=0.17,
        elder_couple_share=0.42,
        young_adults_with_parents=0.9,
        adults_partnered=0.5,
        young_alone_share=0.15,
        middle_alone_share=0.08,
        households_per_cell=4,
        occupied_share=0.30,
        settlement="hamlets",
        local_work_share=0.70,
        workplace_mean_size=7.0,
        out_migration_scale=0.6,
        youth_exodus=1.4,
        in_migration_rate=0.0105,
        fertility_scale=1.08,
        association_membership=0.90,
        association_join_new=0.75,
        places_per_10k=4.0,
        district_households=120,
        income_scale=0.85,
        npos_per_10k=3.0,
        social_enterprises_per_10k=1.5,
        brigade_per_1000=20.0,
        university_share=0.0,
        arrival_mix=(0.25, 0.15, 0.25, 0.15, 0.20),
    ),
}


# the range each numeric statistic may take when a scenario overrides it: shares are
# shares; sizes and scales must stay positive and within reason
PROFILE_BOUNDS: dict[str, tuple[float, float]] = {
    "default_population": (50, 2_000_000),
    "alone_65_male": (0.0, 1.0),
    "alone_65_female": (0.0, 1.0),
    "elder_couple_share": (0.0, 1.0),
    "young_adults_with_parents": (0.0, 1.0),
    "adults_partnered": (0.0, 1.0),
    "young_alone_share": (0.0, 1.0),
    "middle_alone_share": (0.0, 1.0),
    "households_per_cell": (1, 200),
    "occupied_share": (0.01, 1.0),
    "local_work_share": (0.0, 1.0),
    "workplace_mean_size": (1.0, 10_000.0),
    "out_migration_scale": (0.0, 20.0),
    "youth_exodus": (0.0, 20.0),
    "in_migration_rate": (0.0, 1.0),
    "fertility_scale": (0.0, 10.0),
    "association_membership": (0.0, 1.0),
    "association_join_new": (0.0, 1.0),
    "places_per_10k": (0.0, 1_000.0),
    "district_households": (10, 100_000),
    "income_scale": (0.0, 100.0),
    "npos_per_10k": (0.0, 1_000.0),
    "social_enterprises_per_10k": (0.0, 1_000.0),
    "brigade_per_1000": (0.0, 1_000.0),
    "university_share": (0.0, 1.0),
}


# where each statistic of the profiles comes from: (kind, reference), kinds as in
# params.SOURCE_KINDS; "assumption" ones are varied by experiments/region_sweep.yaml
_CENSUS = "2015 Population Census"
PROFILE_SOURCES: dict[str, tuple[str, str]] = {
    "default_population": ("lever", "a typical size for the kind; scenarios set their own"),
    "age_shares": ("statistic", f"{_CENSUS}: Japan; Tokyo's 23 wards; towns and villages"),
    "alone_65_male": ("statistic", f"{_CENSUS}: 12.5% of men 65+ nationally; cities higher, "
                      "rural towns lower (region kinds rounded from the census)"),
    "alone_65_female": ("statistic", f"{_CENSUS}: 20.1% of women 65+ nationally; cities "
                        "higher, rural towns lower"),
    "elder_couple_share": ("statistic", f"{_CENSUS}: household types of those 65+, rounded"),
    "young_adults_with_parents": ("assumption", f"shaped by {_CENSUS} household types"),
    "adults_partnered": ("assumption", f"shaped by {_CENSUS} household types"),
    "young_alone_share": ("statistic", f"{_CENSUS}: one-person households by age, rounded"),
    "middle_alone_share": ("statistic", f"{_CENSUS}: one-person households by age, rounded"),
    "households_per_cell": ("assumption", "map design: a block of dwellings"),
    "occupied_share": ("assumption", "map design: built-up share of the land"),
    "settlement": ("assumption", "map design; categorical, so no sweep: compare the kinds"),
    "local_work_share": ("statistic", f"{_CENSUS} (place of work): about 35% in Tokyo's "
                         "wards, 45% in suburbs, 70% in rural towns"),
    "workplace_mean_size": ("assumption", "about 10 employees per establishment nationally "
                            "(Economic Census), fewer in rural towns"),
    "out_migration_scale": ("calibrated", "population_change, population_change_rural"),
    "youth_exodus": ("calibrated", "population_change, population_change_rural"),
    "in_migration_rate": ("calibrated", "population_change, population_change_rural"),
    "fertility_scale": ("statistic", "Vital Statistics 2015: total fertility 1.45 "
                        "nationally, 1.24 in Tokyo, higher in rural prefectures"),
    "association_membership": ("statistic", "MIC surveys: about 78% nationally (2010), "
                               "55-60% in big-city wards, about 90% in rural towns"),
    "association_join_new": ("calibrated", "association_membership_trend"),
    "places_per_10k": ("statistic", "MHLW 2015: about 37,000 kayoi-no-ba, one per 3,400 "
                       "people; more per head in rural towns"),
    "district_households": ("assumption", "a neighbourhood association's size"),
    "income_scale": ("assumption", "shaped by prefectural incomes: higher in Tokyo, lower "
                     "in rural prefectures"),
    "npos_per_10k": ("statistic", "Cabinet Office: about 50,000 NPO corporations in 2015, "
                     "4 per 10,000, denser in cities"),
    "social_enterprises_per_10k": ("assumption", "METI 2015 estimate of about 20,000 in "
                                   "the narrow sense; a wide range"),
    "brigade_per_1000": ("statistic", "FDMA 2015: about 860,000 fire-corps members, 6.7 per "
                         "1,000, several times that in rural towns"),
    "university_share": ("assumption", "about half of 18-year-olds enter higher education "
                         "(MEXT); the local share is a judgement"),
    "arrival_mix": ("assumption", "shaped by the Report on Internal Migration (young adults "
                    "dominate moves; rural towns draw some retirees); a mix, so no sweep: "
                    "compare the kinds"),
}  # fmt: skip


def get_region(kind: str) -> RegionProfile:
    try:
        return REGIONS[kind]
    except KeyError:
        raise KeyError(
            f"unknown region kind {kind!r}; allowed: {', '.join(REGION_KINDS)}"
        ) from None
