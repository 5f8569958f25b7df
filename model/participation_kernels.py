"""Compiled weekly participation rules: each formula of ``participation`` in one pass.

NumPy evaluates a long product such as the volunteering hazard as a dozen full-length
temporaries, each with its own gather (``pop.x[idx]``); these kernels walk the living
residents once. They reproduce NumPy's arithmetic exactly, including its types: a
float32 column times a Python float stays float32 in NumPy, so the callers pass such
constants as ``np.float32`` and the kernels multiply in the same order. Transcendental
functions (``expm1``, ``exp``) stay in NumPy, whose implementations may differ from
numba's in the last bit. No random numbers are drawn here.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, error_model="numpy", nogil=True)
def free_time(
    idx, age, female, employer, household, frailty, infants, frail, no_employer, out
):  # pragma: no cover - compiled
    """``participation.update_free_time`` for the slots in ``idx``, written into ``out``."""
    for k in range(idx.shape[0]):
        i = idx[k]
        a = age[i]
        base = 0.0 if a < 6 else (0.35 if a < 18 else 0.75)
        e = employer[i]
        base = base - (0.0 if e == no_employer else (0.40 if e >= 0 else 0.45))
        adult = a >= 18
        h = household[i]
        fr = frailty[i]
        woman = female[i]
        # & rather than and: no branches to mispredict (every index is valid)
        base = base - np.float64(adult & infants[h]) * (0.25 if woman else 0.08)
        base = base - np.float64(adult & frail[h] & (fr <= np.float32(0.6))) * (
            0.15 if woman else 0.05
        )
        clipped = min(max(base, 0.05), 1.0)
        rest = np.float32(1.0) - fr
        out[i] = np.float32(clipped * np.float64(rest * rest) * np.float64(a >= 6))


@njit(cache=True, error_model="numpy", nogil=True)
def volunteer_hazard(
    idx,
    propensity,
    scale,
    hazard,
    floor,
    one_minus_floor,
    awareness,
    peer,
    peer_effect,
    access,
    access_effect,
    pupils,
    household,
    parent_effect,
    programme,
    employer,
    programme_effect,
    free,
    motivation,
    age,
    min_age,
    factor,
    solidarity,
    cell,
    sign,
):  # pragma: no cover - compiled
    """``participation.volunteer_hazard``: float32 until the first float64 factor (the
    peer share), as NumPy computes it. ``scale``, ``hazard``, ``floor``,
    ``one_minus_floor`` and ``min_age`` come as float32; ``factor`` is per resident.
    Each hazard is multiplied by ``sign`` (1.0, or -1.0 for the negated hazards that
    ``expm1`` takes: an exact negation)."""
    out = np.empty(idx.shape[0])
    for k in range(idx.shape[0]):
        i = idx[k]
        a = age[i]
        disposition = min(max(propensity[i] * scale, np.float32(0.0)), np.float32(1.0))
        h32 = hazard * disposition
        h32 = h32 * (floor + one_minus_floor * awareness[i])
        h = np.float64(h32) * (1.0 + peer_effect * peer[k])
        h = h * (1.0 + access_effect * access[k])
        parent = pupils[household[i]] & (a >= 25) & (a < 60)  # &: no branches
        h = h * (1.0 + parent_effect * np.float64(parent))
        e = employer[i]
        works = e >= 0 and programme[max(e, 0)]
        h = h * (1.0 + programme_effect * np.float64(works))
        h = h * np.float64(free[i])
        h = h * np.float64(motivation[i])
        h = h * np.float64(a >= min_age)
        h = h * factor[k]
        out[k] = sign * (h * (1.0 + solidarity[cell[i]]))
    return out


@njit(cache=True, error_model="numpy", nogil=True)
def update_awareness(
    idx, awareness, info, access, peer_rate, has_ties, peer, volunteer_rate, did, decay
):  # pragma: no cover - compiled
    """``participation.update_awareness`` in place, in float64 as NumPy computes it."""
    for k in range(idx.shape[0]):
        i = idx[k]
        aw = np.float64(awareness[i])
        new = aw + info * access[k] * (1.0 - aw)
        new = new + peer_rate * np.float64(has_ties[k]) * (peer[k] - aw)
        new = new + volunteer_rate * np.float64(did[i]) * (1.0 - aw)
        new = new - decay * aw
        awareness[i] = np.float32(min(max(new, 0.0), 1.0))


@njit(cache=True, error_model="numpy", nogil=True)
def access(
    idx,
    household_district,
    member,
    vitality,
    household,
    school,
    school_programme,
    last_place_week,
    week,
    place_memory,
    informed_npo,
    npo_active,
    informed_week,
    informed_memory,
    employer,
    programme,
    never,
    via_association,
    via_place,
    via_npo,
    via_company,
    bonus,
):  # pragma: no cover - compiled
    """``participation.access_to_opportunities``: one minus the chance of missing every
    channel (association, school programme, a recent place, a known active NPO, an
    employer's programme), plus the paths' bonus, at most 1 — the NumPy product's
    float64 arithmetic in the same order. The association's part is its vitality for a
    member household in a district (``community.household_access``); ``bonus`` has one
    value per resident, or one for all."""
    out = np.empty(idx.shape[0])
    shared = bonus.shape[0] == 1
    for k in range(idx.shape[0]):
        i = idx[k]
        h = household[i]
        d = household_district[h]
        assoc = vitality[d] if member[h] and d >= 0 else 0.0
        sc = school[i]
        prog = school_programme[max(sc, 0)] if sc >= 0 else 0.0
        last = last_place_week[i]
        place = (last != never) & (week - last < place_memory)
        heard = informed_npo[i]
        told = informed_week[i]
        # &: no branches to mispredict (npo_active is never empty)
        knows = (
            (heard >= 0)
            & npo_active[max(heard, 0)]
            & (told != never)
            & (week - told < informed_memory)
        )
        e = employer[i]
        works = e >= 0 and programme[max(e, 0)]
        miss = 1.0 - via_association * assoc
        miss = miss * (1.0 - prog)
        miss = miss * (1.0 - via_place * np.float64(place))
        miss = miss * (1.0 - via_npo * np.float64(knows))
        miss = miss * (1.0 - via_company * np.float64(works))
        out[k] = min(1.0 - miss + bonus[0 if shared else k], 1.0)
    return out


@njit(cache=True, nogil=True)
def motivate(
    idx, u, expm1_neg, motivation, recovery, keep, last_volunteer_week, week
):  # pragma: no cover - compiled
    """``participation.volunteer``'s draw and bookkeeping in one pass: resident ``k``
    volunteers when ``u[k] < -expm1_neg[k]`` (``expm1`` of the negated hazard, from
    NumPy); everyone's motivation recovers (float32: ``m + recovery * (1 - m)``),
    volunteers' wears (``m * keep``) and they get this week as their last.
    ``recovery`` and ``keep`` come as float32, as NumPy cast the Python floats.
    Returns the volunteers, in order."""
    n = 0
    for k in range(idx.shape[0]):
        if u[k] < -expm1_neg[k]:
            n += 1
    out = np.empty(n, np.int64)
    j = 0
    one = np.float32(1.0)
    for k in range(idx.shape[0]):
        i = idx[k]
        m = motivation[i]
        m = m + recovery * (one - m)
        if u[k] < -expm1_neg[k]:
            m = m * keep
            out[j] = i
            j += 1
            last_volunteer_week[i] = week
        motivation[i] = m
    return out


@njit(cache=True, nogil=True)
def update_trust(
    idx, volunteers, trust, trust0, gift_success, decay, gain, fade
):  # pragma: no cover - compiled
    """``participation.update_trust`` in place, in float32 as NumPy computes it (``decay``,
    ``gain`` and ``fade`` come as float32): trust drifts toward its own level, then each
    of ``volunteers`` (distinct slots of ``idx``) gains; the memory of gifts fades."""
    for k in range(idx.shape[0]):
        i = idx[k]
        t = trust[i]
        trust[i] = t + decay * (trust0[i] - t)
        gift_success[i] = gift_success[i] * fade
    one = np.float32(1.0)
    for k in range(volunteers.shape[0]):
        i = volunteers[k]
        t = trust[i]
        trust[i] = t + gain * (one - t)


@njit(cache=True, nogil=True)
def peer_values(
    last_volunteer_week, last_donation_week, awareness, week, weeks, never
):  # pragma: no cover - compiled
    """``participation.peer_values`` over all slots in one pass: volunteered and gave
    in the ``weeks`` weeks up to ``week`` (``Population.within``), as 0/1, and
    awareness, as float64 columns."""
    values = np.empty((awareness.shape[0], 3))
    for i in range(awareness.shape[0]):
        v = last_volunteer_week[i]
        d = last_donation_week[i]
        values[i, 0] = 1.0 if v != never and week - v < weeks else 0.0
        values[i, 1] = 1.0 if d != never and week - d < weeks else 0.0
        values[i, 2] = np.float64(awareness[i])
    return values


@njit(cache=True, nogil=True)
def donation_hazard(
    idx,
    income,
    propensity,
    trust,
    awareness,
    gift_success,
    age,
    hazard,
    floor,
    one_minus_floor,
    peer,
    peer_effect,
    success_effect,
    min_age,
    factor,
):  # pragma: no cover - compiled
    """``participation.donation_hazard`` in one pass: (hazard, income factor) per
    resident of ``idx``. NumPy's types throughout: the income factor
    (``clip(sqrt(income / 3e6), 0.2, 2.5)``) and the product up to awareness in
    float32, then float64 from the peer share on; ``hazard``, ``floor``,
    ``one_minus_floor``, ``success_effect`` and ``min_age`` come as float32, as NumPy
    cast the Python floats; ``factor`` is per resident."""
    n = idx.shape[0]
    g = np.empty(n)
    inc = np.empty(n, np.float32)
    lo, hi = np.float32(0.2), np.float32(2.5)
    for k in range(n):
        i = idx[k]
        f = min(max(np.sqrt(income[i] / np.float32(3.0e6)), lo), hi)
        inc[k] = f
        h32 = hazard * (np.float32(0.3) + np.float32(0.7) * propensity[i])
        h32 = h32 * f
        h32 = h32 * (floor + one_minus_floor * trust[i])
        h32 = h32 * (np.float32(0.5) + awareness[i])
        h = np.float64(h32) * (1.0 + peer_effect * peer[k])
        h = h * np.float64(np.float32(1.0) + success_effect * gift_success[i])
        h = h * (1.0 if age[i] >= min_age else 0.0)
        g[k] = h * factor[k]
    return g, inc


@njit(cache=True, error_model="numpy", nogil=True)
def district_shares(idx, cell, district_of_cell, last, week, weeks, never, n):  # pragma: no cover
    """Per district (``n`` of them), the share of its residents in ``idx`` whose event in
    ``last`` happened in the ``weeks`` weeks up to ``week`` (0 where nobody lives): the
    two ``bincount`` calls and the division in one pass."""
    count = np.zeros(n, np.int64)
    done = np.zeros(n)
    for k in range(idx.shape[0]):
        s = idx[k]
        d = district_of_cell[cell[s]]
        if d >= 0:
            count[d] += 1
            done[d] += (last[s] != never) & (week - last[s] < weeks)
    out = np.zeros(n)
    for d in range(n):
        if count[d] > 0:
            out[d] = done[d] / count[d]
    return out
