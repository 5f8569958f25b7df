"""National demographic schedules for Japan around 2015, by five-year age group.

These are the tables every region kind starts from; a region rescales them (see
``regions.py``). Values are rounded from the published statistics named beside each
table; where a figure is a modelling assumption rather than a statistic, it says so.
Age groups are 0-4, 5-9, ..., 95-99, 100+ (21 groups) unless stated otherwise.
"""

from __future__ import annotations

import numpy as np

N_AGE_GROUPS = 21  # 0-4 ... 95-99, 100+
MAX_AGE = 105.0


def age_group(age: np.ndarray) -> np.ndarray:
    """Five-year age group index (0..20) of each age in years."""
    return np.minimum((age // 5).astype(np.int64), N_AGE_GROUPS - 1)


# Age-specific death rates per person-year, Vital Statistics of Japan 2015 (MHLW),
# rounded; 0-4 blends the infant rate (about 2 per 1,000) with ages 1-4.
MORTALITY_MALE = np.array(
    [0.00055, 0.00007, 0.00008, 0.00025, 0.00045, 0.00052, 0.00060, 0.00080, 0.00120,
     0.00190, 0.00300, 0.00460, 0.00740, 0.01160, 0.01780, 0.03000, 0.05390, 0.09720,
     0.17500, 0.29000, 0.45000]
)  # fmt: skip
MORTALITY_FEMALE = np.array(
    [0.00050, 0.00006, 0.00006, 0.00013, 0.00021, 0.00026, 0.00033, 0.00046, 0.00068,
     0.00105, 0.00155, 0.00220, 0.00320, 0.00515, 0.00826, 0.01450, 0.02840, 0.05870,
     0.11600, 0.21500, 0.38000]
)  # fmt: skip

# Age-specific fertility rates (births per woman-year) for ages 15-19 ... 45-49,
# Vital Statistics of Japan 2015; they sum (x5) to a total fertility rate of 1.44
# against the published 1.45.
FERTILITY = np.array([0.0042, 0.0289, 0.0835, 0.1023, 0.0563, 0.0116, 0.0004])
FERTILITY_FIRST_GROUP = 3  # index of the 15-19 group

# Share of women in each age group, 2015 Population Census (Statistics Bureau), rounded.
FEMALE_SHARE = np.array(
    [0.488, 0.488, 0.488, 0.487, 0.487, 0.490, 0.493, 0.495, 0.496, 0.497, 0.499, 0.502,
     0.508, 0.517, 0.532, 0.561, 0.610, 0.681, 0.770, 0.850, 0.880]
)  # fmt: skip

# Employment rate (employed / population) by age group and sex, Labour Force Survey
# 2015 annual averages (Statistics Bureau), rounded; 75+ shares one value.
EMPLOYMENT_MALE = np.array(
    [0.0, 0.0, 0.0, 0.15, 0.66, 0.88, 0.92, 0.93, 0.93, 0.93, 0.92, 0.89, 0.75, 0.52,
     0.32, 0.13, 0.13, 0.13, 0.13, 0.13, 0.13]
)  # fmt: skip
EMPLOYMENT_FEMALE = np.array(
    [0.0, 0.0, 0.0, 0.16, 0.66, 0.76, 0.68, 0.69, 0.72, 0.75, 0.73, 0.66, 0.49, 0.32,
     0.19, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06]
)  # fmt: skip

# Annual probability of moving out of the municipality, by age group. The shape (a peak
# at 20-29, children moving with young parents) follows the Report on Internal
# Migration in Japan 2015 (Basic Resident Registers); the level is a calibration
# assumption scaled per region. Moves of the frail into care and of elders living
# alone to their families are modelled apart (see demography.out_migrants).
OUT_MIGRATION = np.array(
    [0.070, 0.040, 0.030, 0.045, 0.120, 0.110, 0.080, 0.055, 0.040, 0.030, 0.025, 0.020,
     0.015, 0.008, 0.008, 0.008, 0.010, 0.012, 0.012, 0.012, 0.012]
)  # fmt: skip

# Annual individual income in yen by employment status, medians. Employed: about
# 4.2 million (men) and 2.0 million (women), Statistical Survey of Actual Status for
# Salary in the Private Sector 2015 (NTA); pensioners: about 1.8 million, Comprehensive
# Survey of Living Conditions 2016 (MHLW). Log-normal spread sigma 0.5 is an assumption.
INCOME_MEDIAN_EMPLOYED_MALE = 4.2e6
INCOME_MEDIAN_EMPLOYED_FEMALE = 2.0e6
INCOME_MEDIAN_PENSION = 1.8e6
INCOME_MEDIAN_OTHER_ADULT = 0.5e6
INCOME_SIGMA = 0.5


def weekly_hazard(annual_probability: np.ndarray | float) -> np.ndarray:
    """Weekly hazard with the same yearly total as an annual probability.

    Weekly hazards here are all below 0.01, so they serve directly as weekly
    probabilities (the difference, h^2/2, is under 0.5% of h).
    """
    return -np.log1p(-np.clip(annual_probability, 0.0, 0.999999)) / 52.0


WEEKLY_DEATH_MALE = weekly_hazard(MORTALITY_MALE)
WEEKLY_DEATH_FEMALE = weekly_hazard(MORTALITY_FEMALE)
WEEKLY_OUT_MIGRATION = weekly_hazard(OUT_MIGRATION)
