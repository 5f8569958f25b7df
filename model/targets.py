"""Calibration targets: the published statistics the baseline towns must reproduce.

They are part of the model's description (ODD "patterns"): parameters marked
"calibrated" in ``params.py`` name the target they were tuned to, and
``kizuna validate-model`` reads each one off the model's weekly outcomes. Each target
holds for the region kinds it names: national figures for the suburban town (built on
Japan's 2015 averages), published regional figures for the urban ward and rural town.

A band is what counts as a match for the median over replications. It is set from the
statistic's own uncertainty (survey years, what "about" means in the source) before
looking at the model, never widened to make a run pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.outcomes import OUTCOMES, VOLUNTEER_AGE_GROUPS

# how a target is read off one run's weekly outcomes
MEASURES = {
    "level": "value in the given simulated year (1 = fiscal 2015)",
    "annual_change": "change per year between year 1 and the last year, in the outcome's unit",
    "growth": "compound change per year of the outcome between week 0 and the last week",
    "peak_group": "the age group with the highest rate in the given year",
    "lowest_group": "the age group with the lowest rate in the given year",
}

# the non-overlapping survey age groups the age-profile targets compare
PROFILE_GROUPS = tuple(g for g, _, _ in VOLUNTEER_AGE_GROUPS if g != "75_plus")

TIME_USE_2016 = "Survey on Time Use and Leisure Activities 2016 (Statistics Bureau of Japan)"
GIVING_JAPAN = "Giving Japan 2015 (Japan Fundraising Association), figures for 2014"
CENSUS_2015 = "2015 Population Census (Statistics Bureau of Japan)"
MIC = "MIC surveys of neighbourhood associations (Ministry of Internal Affairs and Communications)"


@dataclass(frozen=True)
class Target:
    """One published figure, where it holds, how to read it off a run, and what matches."""

    key: str
    quantity: str  # in words, as the source states it
    regions: tuple[str, ...]
    outcome: str  # weekly outcome (model/outcomes.py) it is read from
    measure: str  # one of MEASURES
    value: float | str  # the published figure (an age-group label for group measures)
    low: float | None = None  # accepted band for the median over replications
    high: float | None = None
    unit: str = "share"
    year: int = 1
    source: str = ""

    @property
    def needs_years(self) -> int:
        """Simulated years a run needs before the target can be read."""
        return 2 if self.measure == "annual_change" else self.year

    def band_text(self) -> str:
        if self.measure in ("peak_group", "lowest_group"):
            return str(self.value)
        return f"{format_value(self.low, self.unit)} to {format_value(self.high, self.unit)}"

    def value_text(self) -> str:
        return (
            str(self.value) if isinstance(self.value, str) else format_value(self.value, self.unit)
        )


def format_value(x: float | None, unit: str) -> str:
    """A figure in the unit's usual form: shares as percentages, yen with separators."""
    if x is None:
        return ""
    if unit == "share":
        return f"{100 * x:.1f}%"
    if unit == "yen":
        return f"{x:,.0f} yen"
    if unit == "points/year":
        return f"{100 * x:+.2f} points/year"
    if unit == "%/year":
        return f"{100 * x:+.2f}%/year"
    if unit == "residents":
        return f"{x:.2f}"
    return f"{x:g} {unit}".strip()


NATIONAL = ("suburban",)

TARGETS: tuple[Target, ...] = (
    # --- participation ---------------------------------------------------------------
    Target("volunteer_rate", "volunteered in the last year, of those aged 10+", NATIONAL,
       "volunteer_rate", "level", 0.260, 0.22, 0.30,
       source=f"{TIME_USE_2016}: 26.0% (2011: 26.3%)"),
    Target("volunteer_peak", "age group with the highest volunteer rate", NATIONAL,
       "volunteer_rate", "peak_group", "40_49", unit="age group",
       source=f"{TIME_USE_2016}: highest at 40-44"),
    Target("volunteer_lowest", "age group with the lowest volunteer rate", NATIONAL,
       "volunteer_rate", "lowest_group", "25_29", unit="age group",
       source=f"{TIME_USE_2016}: lowest at 25-29"),
    Target("volunteer_rate_65_plus", "volunteered in the last year, of those aged 65+", NATIONAL,
       "volunteer_rate_65_plus", "level", 0.25, 0.18, 0.32,
       source=f"{TIME_USE_2016}: about a quarter of those 65+ (DESIGN.md)"),
    Target("donor_rate", "gave money in the last year, adults", NATIONAL,
       "donor_rate", "level", 0.436, 0.38, 0.50, source=f"{GIVING_JAPAN}: 43.6%"),
    Target("gift_per_donor_median", "median yearly giving per donor", NATIONAL,
       "gift_per_donor_median", "level", 2300.0, 1600.0, 3000.0, unit="yen",
       source=f"{GIVING_JAPAN}: median about 2,300 yen"),
    Target("gift_per_donor_mean", "mean yearly giving per donor", NATIONAL,
       "gift_per_donor_mean", "level", 17000.0, 12000.0, 22000.0, unit="yen",
       source=f"{GIVING_JAPAN}: mean about 17,000 yen"),
    Target("elders_at_places", "of those 65+, share attending a community salon (kayoi-no-ba)",
       NATIONAL, "elders_at_places", "level", 0.042, 0.03, 0.055,
       source="MHLW survey of the comprehensive preventive-care programme, 2015: 4.2%"),
    # --- population and households -----------------------------------------------------
    Target("share_65_plus", "aged 65 and over", NATIONAL, "share_65_plus", "level",
       0.266, 0.246, 0.286, source=f"{CENSUS_2015}: 26.6%"),
    Target("share_65_plus_urban", "aged 65 and over", ("urban_ward",), "share_65_plus", "level",
       0.22, 0.20, 0.24, source=f"{CENSUS_2015}: about 22% in Tokyo's 23 special wards"),
    Target("share_65_plus_rural", "aged 65 and over", ("rural_town",), "share_65_plus", "level",
       0.36, 0.33, 0.45, source=f"{CENSUS_2015}: above 33% in Japan's towns and villages"),
    Target("household_size", "persons per household", NATIONAL, "mean_household_size", "level",
       2.33, 2.2, 2.45, unit="residents", source=f"{CENSUS_2015}: 2.33"),
    Target("household_size_urban", "persons per household", ("urban_ward",),
       "mean_household_size", "level", 1.9, 1.75, 2.05, unit="residents",
       source=f"{CENSUS_2015}: about 1.9 in Tokyo's 23 special wards"),
    Target("elders_living_alone", "living alone, of those 65+", NATIONAL, "elders_living_alone",
       "level", 0.168, 0.14, 0.20,
       source=f"{CENSUS_2015}: 16.8% (men 12.5%, women 20.1%), Annual Report on the "
       "Ageing Society"),
    Target("elders_living_alone_trend", "change in the share of those 65+ living alone",
       NATIONAL, "elders_living_alone", "annual_change", 0.0044, 0.001, 0.008,
       unit="points/year",
       source="2015 and 2020 censuses: 16.8% to 19.0%, about +0.44 points a year"),
    Target("population_change", "population change per year", NATIONAL, "population",
       "growth", -0.001, -0.006, 0.004, unit="%/year",
       source="2010-2015 census: about -0.1% a year nationally"),
    Target("population_change_rural", "population change per year", ("rural_town",),
       "population", "growth", -0.015, -0.02, -0.01, unit="%/year",
       source="2010-2015 census: -1 to -2% a year in shrinking rural towns"),
    # --- ties and associations ----------------------------------------------------------
    Target("association_membership", "households in a neighbourhood association", NATIONAL,
       "association_membership", "level", 0.78, 0.70, 0.80,
       source=f"{MIC}: about 78% (2010) falling to about 72% (2020)"),
    Target("association_membership_trend", "change in association membership", NATIONAL,
       "association_membership", "annual_change", -0.006, -0.012, 0.0, unit="points/year",
       source=f"{MIC}: 78% (2010) to about 72% (2020), about -0.6 points a year"),
    Target("association_membership_urban", "households in a neighbourhood association",
       ("urban_ward",), "association_membership", "level", 0.575, 0.50, 0.65,
       source=f"{MIC}: about 55-60% in big-city wards"),
    Target("association_membership_rural", "households in a neighbourhood association",
       ("rural_town",), "association_membership", "level", 0.90, 0.85, 0.95,
       source=f"{MIC}: about 90% in rural towns"),
    Target("no_close_friend_60_plus", "aged 60+ with no close friend outside the family",
       NATIONAL, "no_close_friend_60_plus", "level", 0.26, 0.20, 0.32,
       source="Annual Report on the Ageing Society (international survey of older "
       "people): about 26% (2015) rising to 31% (2021)"),
)  # fmt: skip

BY_KEY = {t.key: t for t in TARGETS}
assert len(BY_KEY) == len(TARGETS), "duplicate target key"
_OUTCOMES = {o.name for o in OUTCOMES}
assert all(t.outcome in _OUTCOMES for t in TARGETS), "target reads an unknown outcome"
assert all(t.measure in MEASURES for t in TARGETS)


def targets_for(region: str) -> list[Target]:
    return [t for t in TARGETS if region in t.regions]
