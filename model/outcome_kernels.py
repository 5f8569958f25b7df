"""Compiled passes behind the weekly outcomes (numba).

Measuring a week used to take some thirty boolean masks and gathers over the living
residents, one per share; ``resident_tallies`` walks them once and counts every
numerator and denominator. A share is a ratio of two integer counts, and a mean of
integer degrees is an exact integer sum over a count, so the figures are the same to
the last bit as the NumPy expressions they replace. Means of floating-point columns
(awareness, trust, ...) stay in NumPy, whose pairwise summation sets their last bit;
these kernels only hand back which residents they run over.

The others: the neighbour lists of the clustering sample (when the tie census, counted
from the adjacency lists in ``tie_kernels.csr_census``, has not gathered them); the map
layers' per-cell counts; the dashboard's counts; and the candidates for the
cross-sector roster; and the clustering estimate, the one that draws random numbers
(the wedges' picks, from the generator it is given: ``model.metrics_rng``, which
nothing else in the week draws from).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from model.kernel_rng import generator
from model.population import NEVER
from model.tie_kernels import closed_wedges

# positions in the counts ``resident_tallies`` returns
(
    ALIVE, UNDER_15, AGE_15_64, AGE_65, AGE_75, ELDER_ALONE, DEGREE, STRONG_DEGREE,
    ELDER_OUT_DEGREE, ISOLATED, ISOLATED_ELDER_ALONE, AGE_60, AGE_60_NO_CLOSE,
    CAN_VOL, CAN_VOL_VOL, MALE, MALE_VOL, FEMALE, FEMALE_VOL, EMPLOYEES, EMPLOYEES_VOL,
    ADULT, ADULT_DONOR, ADULT_LOCAL_DONOR, ATTACHED, CAN_VOL_ATTACHED, BRIGADE,
    ELDER_AT_PLACE, HOUSEHOLDS, MEMBER_HOUSEHOLDS, GROUPS,
) = range(31)  # fmt: skip
# then, for each volunteer age group g: GROUPS + 2g residents who can volunteer, + 1 volunteers


@njit(cache=True, nogil=True)
def _within(last: int, week: int, weeks: int) -> bool:  # pragma: no cover - compiled
    """``Population.within`` for one resident."""
    return last != NEVER and week - last < weeks


@njit(cache=True, nogil=True)
def resident_tallies(
    idx,
    age,
    female,
    household,
    employer,
    attach_kind,
    npo_kind,
    brigade,
    by_class,
    last_volunteer,
    last_donation,
    last_local_gift,
    last_place,
    week,
    place_weeks,
    member,
    min_vol_age,
    min_donor_age,
    group_lo,
    group_hi,
):  # pragma: no cover - compiled
    """Counts for every per-resident share of the week, over the living ``idx``.

    Age thresholds come cast to ``age``'s dtype, as NumPy compares a float32 column
    with a Python number. Also returns the living aged ``min_vol_age``+, ``min_donor_age``+
    and 18+ (in ``idx`` order), the residents the float means run over.
    """
    n = idx.shape[0]
    c = np.zeros(GROUPS + 2 * group_lo.shape[0], np.int64)
    size = np.zeros(member.shape[0], np.int64)
    for k in range(n):
        size[household[idx[k]]] += 1
    for h in range(member.shape[0]):
        if size[h] > 0:
            c[HOUSEHOLDS] += 1
            if member[h]:
                c[MEMBER_HOUSEHOLDS] += 1
    ten = np.empty(n, np.int64)
    adults = np.empty(n, np.int64)
    eighteen = np.empty(n, np.int64)
    n_ten = n_adult = n_18 = 0
    age18 = age.dtype.type(18)
    # the groups' bounds cut ages into bins (bin b: at least the b lowest bounds, below
    # the next); each group is a run of bins, so one bin per resident is counted and
    # the groups summed afterwards (fewer memory updates than one per group)
    edges = np.unique(np.concatenate((group_lo, group_hi)))
    n_edges = edges.shape[0]
    in_bin = np.zeros(2 * (n_edges + 1), np.int64)  # per bin: residents, volunteers
    # with whole-number bounds (the survey's), an age's bin is that of its whole years:
    # looked up rather than compared with every bound
    top = 0
    if n_edges > 0 and edges[0] >= 0 and edges[-1] < 1e6 and np.all(edges == np.floor(edges)):
        top = int(edges[-1]) + 1
    bin_of_year = np.zeros(top, np.int64)
    for y in range(top):
        for j in range(n_edges):
            bin_of_year[y] += y >= edges[j]
    # flags are added as 0/1 rather than branched on: ages and histories are random,
    # so branches would mispredict about half the time
    under_15 = age_15_64 = age_65 = age_75 = elder_alone = degree = strong = 0
    elder_out = isolated = isolated_elder_alone = age_60 = age_60_no_close = 0
    can_vol = can_vol_vol = female_n = female_vol = employees = employees_vol = 0
    adult_donor = adult_local = attached_n = can_vol_attached = brigade_n = 0
    elder_at_place = 0
    for k in range(n):
        s = idx[k]
        a = age[s]
        elder = a >= 65
        alone = size[household[s]] == 1
        c0 = by_class[s, 0]
        c1 = by_class[s, 1]
        c2 = by_class[s, 2]
        c3 = by_class[s, 3]
        out_deg = c2 + c3
        vol = _within(last_volunteer[s], week, 52)
        young = a < 15
        under_15 += young
        age_15_64 += (not young) & (a < 65)
        age_65 += elder
        age_75 += a >= 75
        elder_out += elder * out_deg
        elder_alone += elder & alone
        elder_at_place += elder & _within(last_place[s], week, place_weeks)
        degree += c0 + c1 + c2 + c3
        strong += c1 + c3
        isolated += out_deg == 0
        isolated_elder_alone += (out_deg == 0) & elder & alone
        sixty = a >= 60
        age_60 += sixty
        age_60_no_close += sixty & (c3 == 0)
        attached = attach_kind[s] == npo_kind
        attached_n += attached
        brigade_n += brigade[s]
        # the age thresholds, also without branches: each list gets the slot written
        # at its end and kept (its length grows) only if the resident qualifies
        can = a >= min_vol_age
        ten[n_ten] = s
        n_ten += can
        can_vol_vol += can & vol
        can_vol_attached += can & attached
        female_n += can & female[s]
        female_vol += can & female[s] & vol
        if a >= 0 and a < top:
            b = bin_of_year[int(a)]
        else:
            b = 0
            for j in range(n_edges):
                b += a >= edges[j]
        b *= can  # bin 0 (below every bound) is in no group
        in_bin[2 * b] += 1
        in_bin[2 * b + 1] += vol
        grown = a >= age18
        eighteen[n_18] = s
        n_18 += grown
        works = employer[s] >= 0
        employees += grown & works
        employees_vol += grown & works & vol
        adult = a >= min_donor_age
        adults[n_adult] = s
        n_adult += adult
        adult_donor += adult & _within(last_donation[s], week, 52)
        adult_local += adult & _within(last_local_gift[s], week, 52)
    can_vol = n_ten
    c[ALIVE] = n
    c[UNDER_15] = under_15
    c[AGE_15_64] = age_15_64
    c[AGE_65] = age_65
    c[AGE_75] = age_75
    c[ELDER_ALONE] = elder_alone
    c[DEGREE] = degree
    c[STRONG_DEGREE] = strong
    c[ELDER_OUT_DEGREE] = elder_out
    c[ISOLATED] = isolated
    c[ISOLATED_ELDER_ALONE] = isolated_elder_alone
    c[AGE_60] = age_60
    c[AGE_60_NO_CLOSE] = age_60_no_close
    c[CAN_VOL] = can_vol
    c[CAN_VOL_VOL] = can_vol_vol
    c[MALE] = can_vol - female_n
    c[MALE_VOL] = can_vol_vol - female_vol
    c[FEMALE] = female_n
    c[FEMALE_VOL] = female_vol
    c[EMPLOYEES] = employees
    c[EMPLOYEES_VOL] = employees_vol
    c[ADULT] = n_adult
    c[ADULT_DONOR] = adult_donor
    c[ADULT_LOCAL_DONOR] = adult_local
    c[ATTACHED] = attached_n
    c[CAN_VOL_ATTACHED] = can_vol_attached
    c[BRIGADE] = brigade_n
    c[ELDER_AT_PLACE] = elder_at_place
    for g in range(group_lo.shape[0]):
        # a >= lo: bin above lo's position; a < hi: bin at most hi's position
        first = np.searchsorted(edges, group_lo[g]) + 1
        last = np.searchsorted(edges, group_hi[g])
        for b in range(first, last + 1):
            c[GROUPS + 2 * g] += in_bin[2 * b]
            c[GROUPS + 2 * g + 1] += in_bin[2 * b + 1]
    return c, ten[:n_ten], adults[:n_adult], eighteen[:n_18]


@njit(cache=True, nogil=True)
def neighbour_lists(a, b, nodes, capacity):  # pragma: no cover - compiled
    """The ties of each of ``nodes`` (sorted, unique): ``other[start[k]:start[k] + deg[k]]``
    are node k's neighbours in edge order, as ``tie_kernels.incident_lists`` groups them."""
    rank = np.full(capacity, -1, np.int64)
    for k in range(nodes.shape[0]):
        rank[nodes[k]] = k
    hits = np.empty(a.shape[0], np.int64)
    n_hits = 0
    for e in range(b.shape[0]):
        if rank[b[e]] >= 0:
            hits[n_hits] = e
            n_hits += 1
    return _gather_neighbours(a, b, nodes, rank, hits[:n_hits])


@njit(cache=True, nogil=True)
def _gather_neighbours(a, b, nodes, rank, hits):  # pragma: no cover - compiled
    """Neighbour lists from the ties whose higher slot is a node (``hits``, in edge order)
    and, edges being sorted by (a, b) with a < b, the contiguous run where ``a`` is the
    node: lower neighbours first, then higher ones, which is edge order."""
    m = nodes.shape[0]
    deg = np.zeros(m, np.int64)
    for h in range(hits.shape[0]):
        deg[rank[b[hits[h]]]] += 1
    below = deg.copy()
    lo = np.searchsorted(a, nodes)
    hi = np.searchsorted(a, nodes, side="right")
    start = np.zeros(m, np.int64)
    total = 0
    for k in range(m):
        deg[k] += hi[k] - lo[k]
        start[k] = total
        total += deg[k]
    other = np.empty(total, np.int64)
    fill = start.copy()
    for h in range(hits.shape[0]):
        e = hits[h]
        r = rank[b[e]]
        other[fill[r]] = a[e]
        fill[r] += 1
    for k in range(m):
        o = start[k] + below[k]
        for e in range(lo[k], hi[k]):
            other[o] = b[e]
            o += 1
    return start, deg, other


@njit(cache=True, nogil=True)
def layer_counts(
    idx, cell, n_cells, age, last_volunteer, week, by_class, lives_alone
):  # pragma: no cover - compiled
    """Per grid cell: residents, volunteers (10+, last 52 weeks), their ties (from the
    tie census ``by_class``) and elders (65+) living alone, as integer counts."""
    counts = np.zeros((4, n_cells), np.int64)
    for k in range(idx.shape[0]):
        s = idx[k]
        c = cell[s]
        counts[0, c] += 1
        if age[s] >= 10 and _within(last_volunteer[s], week, 52):
            counts[1, c] += 1
        counts[2, c] += by_class[s, 0] + by_class[s, 1] + by_class[s, 2] + by_class[s, 3]
        if lives_alone[s] and age[s] >= 65:
            counts[3, c] += 1
    return counts


@njit(cache=True, nogil=True)
def fill_layers(
    idx,
    cell,
    age,
    last_volunteer,
    week,
    by_class,
    lives_alone,
    residents,
    volunteer_rate,
    mean_degree,
    elders_alone,
):  # pragma: no cover - compiled
    """The map's four layers (C-ordered grids, cell ``i`` at flat position ``i``) from
    ``layer_counts``, written in place: residents, volunteers and ties per resident (0
    where nobody lives) and elders living alone, as float64 like the NumPy divisions."""
    n_cells = residents.size
    counts = layer_counts(idx, cell, n_cells, age, last_volunteer, week, by_class, lives_alone)
    res = residents.reshape(n_cells)  # views: the arrays are C-contiguous
    vol = volunteer_rate.reshape(n_cells)
    deg = mean_degree.reshape(n_cells)
    alone = elders_alone.reshape(n_cells)
    for i in range(n_cells):
        r = np.float64(counts[0, i])
        res[i] = r
        vol[i] = counts[1, i] / r if r > 0 else 0.0
        deg[i] = counts[2, i] / r if r > 0 else 0.0
        alone[i] = np.float64(counts[3, i])


@njit(cache=True, nogil=True)
def roster_candidates(
    alive, attach_kind, npo_kind, attach_id, n_npos, employer, n_workplaces
):  # pragma: no cover - compiled
    """For ``KizunaModel.organisation_people``, in one pass over the slots: the two
    lowest-slot living volunteers of each NPO (-1 where fewer), the living staff of
    each workplace and the lowest-slot one of them (-1 where none)."""
    n_wp = n_workplaces
    for s in range(alive.shape[0]):
        if alive[s] and employer[s] >= n_wp:
            n_wp = employer[s] + 1
    volunteers = np.full((n_npos, 2), -1, np.int64)
    size = np.zeros(n_wp, np.int64)
    first_worker = np.full(n_wp, -1, np.int64)
    for s in range(alive.shape[0]):
        if not alive[s]:
            continue
        if attach_kind[s] == npo_kind:
            i = attach_id[s]
            if 0 <= i < n_npos:
                if volunteers[i, 0] < 0:
                    volunteers[i, 0] = s
                elif volunteers[i, 1] < 0:
                    volunteers[i, 1] = s
        w = employer[s]
        if w >= 0:
            if size[w] == 0:
                first_worker[w] = s
            size[w] += 1
    return volunteers, size, first_worker


@njit(cache=True, nogil=True)
def challenge_tallies(
    idx,
    age,
    min_vol_age,
    last_volunteer,
    last_local_gift,
    informed_week,
    week,
    lives_alone,
    frailty,
    frail,
    last_served,
    last_place,
    recent_weeks,
    attach_kind,
    npo_kind,
    school,
):  # pragma: no cover - compiled
    """Counts for the dashboard's shares over the living ``idx`` (thresholds cast to
    their column's dtype): those aged ``min_vol_age``+, of them who volunteered or gave
    locally and who heard of an NPO in the last 52 weeks; elders in need (65+, alone or
    frailer than ``frail``) and of them those reached lately; pupils; those aged 25+."""
    ten = ten_active = ten_informed = in_need = reached = pupils = age_25 = 0
    for k in range(idx.shape[0]):
        s = idx[k]
        a = age[s]
        if a >= min_vol_age:
            ten += 1
            ten_active += _within(last_volunteer[s], week, 52) | _within(
                last_local_gift[s], week, 52
            )
            ten_informed += _within(informed_week[s], week, 52)
        if a >= 65 and (lives_alone[s] or frailty[s] > frail):
            in_need += 1
            reached += (
                _within(last_served[s], week, recent_weeks)
                | _within(last_place[s], week, recent_weeks)
                | (attach_kind[s] == npo_kind)
            )
        pupils += school[s] >= 0
        age_25 += a >= 25
    return np.array([ten, ten_active, ten_informed, in_need, reached, pupils, age_25])


@njit(cache=True, nogil=True)
def company_counts(staff, programme, se_workplaces, n_workplaces):  # pragma: no cover
    """The dashboard's company figures in one pass over the ``n_workplaces`` workplaces,
    those not run by a social enterprise (``se_workplaces``, any ever founded) being
    companies: their living ``staff``, those of them in a participation ``programme``,
    the companies with staff, and of those the ones with a programme (integer counts,
    so the same as NumPy's masks)."""
    company = np.ones(n_workplaces, np.bool_)
    for w in se_workplaces:
        company[w] = False  # a negative index wraps, as in NumPy
    at_company = with_programme = companies = programme_companies = 0
    for w in range(n_workplaces):
        if company[w]:
            at_company += staff[w]
            with_programme += staff[w] * programme[w]
            if staff[w] > 0:
                companies += 1
                programme_companies += programme[w]
    return at_company, with_programme, companies, programme_companies


@njit(cache=True, nogil=True)
def generation_bands(age, bounds):  # pragma: no cover - compiled
    """Each age's band: how many of the ascending ``bounds`` (in ``age``'s dtype, as
    NumPy compares a column with a Python number) it reaches, ``len(bounds)`` for NaN."""
    n = age.shape[0]
    band = np.zeros(n, np.int8)
    for j in range(bounds.shape[0]):  # bound by bound: contiguous, vectorised passes
        x = bounds[j]
        for i in range(n):
            band[i] += np.int8(age[i] >= x)
    top = np.int8(bounds.shape[0])
    for i in range(n):
        if age[i] != age[i]:  # NaN
            band[i] = top
    return band


@njit(cache=True, error_model="numpy", nogil=True)
def sampled_clustering(
    h, start, deg, other, per_node, n_nodes, row_start, row_end, nbr
):  # pragma: no cover - compiled
    """Average local clustering of ``n_nodes`` sampled residents (lists ``other[start[k]:]
    [:deg[k]]``), from ``per_node`` wedges each of those with two or more ties, closed
    if tied in the adjacency rows (``tie_kernels.closed_wedges``). The wedges' picks are
    drawn from the generator of handle ``h`` (``kernel_rng``) as NumPy would draw them:
    ``random(n)`` for the first ties, then ``random(n)`` for the second, nothing for a
    sample without nodes (NaN) or without ties (0)."""
    if n_nodes == 0:
        return np.nan
    if other.shape[0] == 0:
        return 0.0
    m = 0
    for k in range(deg.shape[0]):
        m += deg[k] >= 2
    first = np.empty(m, np.int64)
    degree = np.empty(m, np.int64)
    m = 0
    for k in range(deg.shape[0]):
        if deg[k] >= 2:
            first[m] = start[k]
            degree[m] = deg[k]
            m += 1
    rng = generator(h)
    u_first = rng.random(m * per_node)
    u_second = rng.random(m * per_node)
    closed = closed_wedges(
        first, degree, per_node, u_first, u_second, other, row_start, row_end, nbr
    )
    return closed / (n_nodes * per_node)
