"""Who meets whom this week, by context, as arrays of (u, v) resident-slot pairs.

Every generator draws a Poisson number of encounters per person and picks partners
with index arithmetic on residents sorted by group (household, workplace, school
class, place, district) or by home cell, so a week's meetings for the whole town cost
a handful of array operations. Age homophily thins encounters between people far
apart in age (McPherson, Smith-Lovin & Cook 2001).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from model import background, streams
from model.attachment import activity_groups
from model.background import Pending
from model.kernel_rng import generator, handle
from model.tie_kernels import pack_sorted, visit_partners
from model.ties import Context

if TYPE_CHECKING:
    from model.households import HouseholdView
    from model.kizuna_model import KizunaModel
    from model.participation import WeekContext
    from model.ties import Adjacency

_EMPTY = np.empty(0, np.int64)


@dataclass
class GroupIndex:
    """Members sorted by group id, with each group's start and size."""

    members: np.ndarray  # slots sorted by group
    start: np.ndarray  # per member: start of its group in ``members``
    size: np.ndarray  # per member: size of its group
    pos: np.ndarray  # per member: its own position in ``members``
    order: np.ndarray  # positions in the input arrays, in sorted order
    first: np.ndarray  # start of each group
    group: np.ndarray  # id of each group

    @classmethod
    def build(cls, members: np.ndarray, groups: np.ndarray) -> GroupIndex:
        """Group ``members`` by non-negative integer ``groups`` (a linear counting sort;
        sparse keys, as organisations' kind-and-id keys, by a stable sort and renumbered
        by rank). One compiled call finds the number of groups and sorts: the Python
        checks, ``max`` and ``np.unique`` it replaces cost more than the sort itself
        for the small groups of a week."""
        groups = _index_column(groups)  # int32 columns (employer, household) as they are
        # one packed array out of the compiled pass (boxing seven cost more than the
        # sort itself for the small groups of a week), cut into its seven parts here
        out = _group_index_any(np.asarray(members, np.int64), groups)
        n = len(groups)
        k = 5 * n + (len(out) - 5 * n) // 2
        return cls(
            out[:n], out[n : 2 * n], out[2 * n : 3 * n], out[3 * n : 4 * n],
            out[4 * n : 5 * n], out[5 * n : k], out[k:],
        )  # fmt: skip


def _index_column(values: np.ndarray) -> np.ndarray:
    """Integer keys as a kernel takes them: an int32 column as it is (no int64 copy of the
    population's cell, employer or household column), anything else as int64. Two
    compiled signatures rather than a copy every call."""
    values = np.asarray(values)
    return values if values.dtype == np.int32 else values.astype(np.int64, copy=False)


@njit(cache=True, error_model="numpy", nogil=True)
def _group_index_any(members, groups):  # pragma: no cover - compiled
    """``_group_index_packed`` for any non-negative keys: the counting sort when the
    largest key is within a few times the member count, else ``_group_index_sorted``
    (the same arrays as renumbering the keys by rank and counting)."""
    n = groups.shape[0]
    if n == 0:
        return np.empty(0, np.int64)
    hi = np.int64(groups[0])
    for i in range(1, n):
        hi = max(hi, np.int64(groups[i]))
    if hi + 1 > 4 * n + 1024:
        return _group_index_sorted(members, groups)
    return _group_index_packed(members, groups, hi + 1)


@njit(cache=True, error_model="numpy", nogil=True)
def _group_index_sorted(members, groups):  # pragma: no cover - compiled
    """``_group_index_packed``'s array for sparse keys: a stable sort by key, groups
    numbered 0, 1, ... by rank of their key (as ``np.unique``'s inverse numbers them)."""
    n = groups.shape[0]
    by_key = np.argsort(groups, kind="mergesort")
    n_nonempty = 1 if n > 0 else 0
    for j in range(1, n):
        if groups[by_key[j]] != groups[by_key[j - 1]]:
            n_nonempty += 1
    out = np.empty(5 * n + 2 * n_nonempty, np.int64)
    k = 0
    lo = 0
    for j in range(1, n + 1):
        if j < n and groups[by_key[j]] == groups[by_key[lo]]:
            continue
        out[5 * n + k] = lo  # first
        out[5 * n + n_nonempty + k] = k  # group (its rank)
        k += 1
        for t in range(lo, j):
            out[t] = members[by_key[t]]
            out[n + t] = lo
            out[2 * n + t] = j - lo
            out[3 * n + t] = t
            out[4 * n + t] = by_key[t]
        lo = j
    return out


@njit(cache=True, error_model="numpy", nogil=True)
def _group_index(members, groups, n_groups):  # pragma: no cover - compiled
    """The arrays of ``GroupIndex`` (members, start, size, pos, order, first, group),
    as views of ``_group_index_packed``'s array."""
    out = _group_index_packed(members, groups, n_groups)
    n = groups.shape[0]
    k = 5 * n + (out.shape[0] - 5 * n) // 2
    return (
        out[:n], out[n : 2 * n], out[2 * n : 3 * n], out[3 * n : 4 * n], out[4 * n : 5 * n],
        out[5 * n : k], out[k:],
    )  # fmt: skip


@njit(cache=True, error_model="numpy", nogil=True)
def _group_index_packed(members, groups, n_groups):  # pragma: no cover - compiled
    """``GroupIndex``'s arrays in one counting sort (stable: members keep their input
    order within a group), packed one after another in a single array: the n sorted
    members, each member's group start, group size, own position and input position,
    then each non-empty group's start and id."""
    n = groups.shape[0]
    offset = np.zeros(n_groups + 1, np.int64)
    for i in range(n):
        offset[groups[i] + 1] += 1
    n_nonempty = 0
    for g in range(n_groups):
        if offset[g + 1] > 0:
            n_nonempty += 1
        offset[g + 1] += offset[g]
    out = np.empty(5 * n + 2 * n_nonempty, np.int64)
    sorted_members = out[:n]
    start = out[n : 2 * n]
    size = out[2 * n : 3 * n]
    pos = out[3 * n : 4 * n]
    order = out[4 * n : 5 * n]
    first = out[5 * n : 5 * n + n_nonempty]
    group = out[5 * n + n_nonempty :]
    fill = offset[:n_groups].copy()
    for i in range(n):
        g = groups[i]
        order[fill[g]] = i
        fill[g] += 1
    k = 0
    for g in range(n_groups):
        lo = offset[g]
        hi = offset[g + 1]
        if hi == lo:
            continue
        first[k] = lo
        group[k] = g
        k += 1
        for j in range(lo, hi):
            sorted_members[j] = members[order[j]]
            start[j] = lo
            size[j] = hi - lo
            pos[j] = j
    return out


def within_groups(
    index: GroupIndex,
    contacts: float,
    rng: np.random.Generator,
    age: np.ndarray | None = None,
    homophily_scale: float = 0.0,
):
    """Each member meets a Poisson(contacts) number of others from its own group; with
    ``age``, thinned by age homophily as ``homophily`` does. The draws and the pairing
    in one compiled call (``_within_drawn``): a Poisson count per member (lone members'
    drawn but spent on nobody), then a uniform per meeting to pick the partner and,
    when thinned, a uniform per meeting to keep it."""
    if len(index.members) == 0 or contacts <= 0:
        return _EMPTY, _EMPTY
    h = handle(rng)
    if age is None or homophily_scale <= 0:
        return _within_drawn(h, index.members, index.start, index.size, float(contacts))
    accept = _acceptance_table(homophily_scale)
    return _within_drawn_kept(
        h, index.members, index.start, index.size, float(contacts), age, accept
    )


_KEEP_ALL = np.ones(128)  # an acceptance table that keeps every pair
_KEEP_ALL.setflags(write=False)


@njit(cache=True, error_model="numpy", nogil=True)
def _within_counts(rng, contacts, size):  # pragma: no cover - compiled
    """A Poisson(``contacts``) count per member (as NumPy draws an array of them), then
    the uniforms for the meetings of those not alone in their group."""
    n = np.empty(size.shape[0], np.int64)
    for i in range(n.shape[0]):
        n[i] = rng.poisson(contacts)
    return n, rng.random(_drop_lone(n, size))


@njit(cache=True, error_model="numpy", nogil=True)
def _within_drawn(h, members, start, size, contacts):  # pragma: no cover - compiled
    """``within_groups`` without homophily, drawing from the generator of handle ``h``."""
    n, draws = _within_counts(generator(h), contacts, size)
    return _pairs_within(members, start, size, n, draws)


@njit(cache=True, error_model="numpy", nogil=True)
def _within_drawn_kept(h, members, start, size, contacts, age, accept):  # pragma: no cover
    """``within_groups`` thinned by the acceptance table ``accept`` (a keep uniform per
    meeting, drawn after the partners')."""
    rng = generator(h)
    n, draws = _within_counts(rng, contacts, size)
    keep = rng.random(draws.shape[0])
    return _pairs_within_kept(members, start, size, n, draws, keep, age, accept)


@njit(cache=True, error_model="numpy", nogil=True)
def _drop_lone(n, size):  # pragma: no cover - compiled
    """Zero the meetings of members alone in their group, in place; the rest's total
    (``n[size < 2] = 0; n.sum()`` in one pass)."""
    total = 0
    for i in range(n.shape[0]):
        if size[i] < 2:
            n[i] = 0
        total += n[i]
    return total


@njit(cache=True, error_model="numpy", nogil=True)
def _pairs_within(members, start, size, n, draws):  # pragma: no cover - compiled
    """Member ``i`` meets ``n[i]`` others of its group, each picked uniformly by one
    draw among the group's other members (draws consumed in member order)."""
    u = np.empty(draws.shape[0], np.int64)
    v = np.empty(draws.shape[0], np.int64)
    k = 0
    for i in range(members.shape[0]):
        for _ in range(n[i]):
            r = np.int64(draws[k] * (size[i] - 1))
            if start[i] + r >= i:  # skip oneself
                r += 1
            u[k] = members[i]
            v[k] = members[start[i] + r]
            k += 1
    return u, v


@njit(cache=True, error_model="numpy", nogil=True)
def _pairs_within_kept(
    members, start, size, n, draws, keep, age, accept
):  # pragma: no cover - compiled
    """``_pairs_within``'s pairs, the k-th kept if ``keep[k]`` is below the acceptance
    of the pair's whole-year age gap (``homophily``'s rule)."""
    u = np.empty(draws.shape[0], np.int64)
    v = np.empty(draws.shape[0], np.int64)
    k = 0
    o = 0
    for i in range(members.shape[0]):
        me = members[i]
        for _ in range(n[i]):
            r = np.int64(draws[k] * (size[i] - 1))
            if start[i] + r >= i:  # skip oneself
                r += 1
            other = members[start[i] + r]
            gap = abs(np.int64(age[me]) - np.int64(age[other]))
            if keep[k] < accept[min(gap, 127)]:
                u[o] = me
                v[o] = other
                o += 1
            k += 1
    return u[:o], v[:o]


def _groups_args(
    index: GroupIndex, contacts: float, age: np.ndarray, homophily_scale: float = 0.0
) -> tuple:
    """``within_groups``'s arguments for ``_groups_drawn``, but for the stream."""
    thin = homophily_scale > 0
    accept = _acceptance_table(homophily_scale) if thin else _KEEP_ALL
    return index.members, index.start, index.size, float(contacts), age, accept, thin


@njit(cache=True, error_model="numpy", nogil=True)
def _groups_drawn(members, start, size, contacts, age, accept, thin, s):  # pragma: no cover
    """``_pairs_within_kept``'s pairs with the draws made here from stream ``s``: a
    Poisson(``contacts``) count per member (none for members alone in their group), a
    uniform per meeting to pick the partner and, with ``thin``, one to keep it."""
    n = streams.poisson_same(s, contacts, members.shape[0])
    total = _drop_lone(n, size)
    draws = streams.uniforms(s, total)
    keep = streams.uniforms(s, total) if thin else np.zeros(total)
    return _pairs_within_kept(members, start, size, n, draws, keep, age, accept)


def all_pairs(index: GroupIndex):
    """Every pair within every group (households meet in full each week)."""
    return _all_pairs(index.members, index.start, index.size)


@njit(cache=True, error_model="numpy", nogil=True)
def _all_pairs(members, start, size):  # pragma: no cover - compiled
    """Each member with every later member of its group, in member order."""
    total = 0
    for i in range(members.shape[0]):
        total += start[i] + size[i] - 1 - i
    u = np.empty(total, np.int64)
    v = np.empty(total, np.int64)
    k = 0
    for i in range(members.shape[0]):
        for j in range(i + 1, start[i] + size[i]):
            u[k] = members[i]
            v[k] = members[j]
            k += 1
    return u, v


@dataclass
class CellIndex:
    """Residents sorted by home cell, for picking random neighbours in O(1)."""

    members: np.ndarray
    start: np.ndarray  # per cell
    count: np.ndarray  # per cell

    @classmethod
    def build(cls, idx: np.ndarray, cell: np.ndarray, n_cells: int) -> CellIndex:
        """``idx`` grouped by ``cell`` (aligned with it), in input order within a cell."""
        cell = _index_column(cell)
        out = _cell_index(np.asarray(idx, np.int64), cell, n_cells)
        n = len(cell)
        return cls(out[:n], out[n : n + n_cells], out[n + n_cells :])


@njit(cache=True, error_model="numpy", nogil=True)
def _cell_index(idx, cell, n_cells):  # pragma: no cover - compiled
    """``CellIndex``'s arrays in one stable counting sort, packed: the sorted members,
    then each cell's start, then each cell's count."""
    n = cell.shape[0]
    out = np.empty(n + 2 * n_cells, np.int64)
    start = out[n : n + n_cells]
    count = out[n + n_cells :]
    count[:] = 0
    for i in range(n):
        count[cell[i]] += 1
    total = 0
    for c in range(n_cells):
        start[c] = total
        total += count[c]
    fill = start.copy()
    for i in range(n):
        c = cell[i]
        out[fill[c]] = idx[i]
        fill[c] += 1
    return out


def neighbourhood(
    idx: np.ndarray,
    home: np.ndarray,
    rate: np.ndarray,
    cells: CellIndex,
    width: int,
    height: int,
    radius: int,
    same_block_share: float,
    age: np.ndarray,
    homophily_scale: float,
    stream: np.ndarray,
):
    """Chance meetings near home: in one's own block, or a block within ``radius``,
    thinned by age homophily. Random numbers come from ``stream`` (``model.streams``),
    drawn in the compiled call: a Poisson count per resident, four uniforms per attempt."""
    args = _neighbourhood_args(
        idx, home, rate, cells, width, height, radius, same_block_share, age, homophily_scale
    )
    return _neighbours_drawn(*args, stream)


def _neighbourhood_args(
    idx, home, rate, cells, width, height, radius, same_block_share, age, homophily_scale
) -> tuple:
    """``neighbourhood``'s arguments for ``_neighbours_drawn``, but for the stream."""
    return (
        np.asarray(idx, np.int64), _index_column(home), np.asarray(rate, np.float64),
        cells.start, cells.count, cells.members, width, height, radius, same_block_share, age,
        _acceptance_table(homophily_scale),
    )  # fmt: skip


@njit(cache=True, error_model="numpy", nogil=True)
def _neighbours_drawn(
    idx, home, rate, start, count, members, width, height, radius, same_share, age, accept, s
):  # pragma: no cover - compiled
    """``_neighbour_pairs`` with its draws made here from stream ``s``: the Poisson
    counts, then four uniforms per attempt, so all of it can run on the helper thread."""
    n = streams.poisson_counts(s, rate)
    draws = streams.uniforms(s, 4 * n.sum()).reshape((-1, 4))
    return _neighbour_pairs(
        idx, home, n, draws, start, count, members, width, height, radius, same_share, age,
        accept,
    )  # fmt: skip


_ACCEPTANCE: dict[float, np.ndarray] = {}


def _acceptance_table(scale: float) -> np.ndarray:
    """Chance of keeping an encounter by whole-year age gap (0 ... 127), read-only.

    Kept per scale: the week asks four times for the same one or two scales (the
    paths may change the parameter, so it is looked up rather than fixed)."""
    table = _ACCEPTANCE.get(scale)
    if table is None:
        table = np.ones(128) if scale <= 0 else np.exp(-np.arange(128) / scale)
        table.flags.writeable = False
        if len(_ACCEPTANCE) < 64:  # a sweep over many scales must not grow it forever
            _ACCEPTANCE[scale] = table
    return table


@njit(cache=True, error_model="numpy", nogil=True)
def _neighbour_pairs(
    idx, home, n, draws, start, count, members, width, height, radius, same_share, age, accept
):  # pragma: no cover - compiled
    side = 2 * radius + 1
    ring = side * side - 1
    # the ring's offsets, looked up rather than divided out per attempt (integer
    # division is the slowest step of the loop); the home block itself is skipped
    dx = np.zeros(max(ring, 1), np.int64)  # (radius 0: one unused entry to read)
    dy = np.zeros(max(ring, 1), np.int64)
    for j in range(ring):
        off = j + 1 if j >= ring // 2 else j
        dx[j] = off // side - radius
        dy[j] = off % side - radius
    u = np.empty(draws.shape[0], np.int64)
    v = np.empty(draws.shape[0], np.int64)
    last = members.shape[0] - 1
    if last < 0:  # nobody at home anywhere: nobody to meet
        return u[:0], v[:0]
    # branch-free: every attempt computes a (safe) partner and is written, and the count
    # moves on only if it is kept; the tests are coin tosses (away or not, off the map,
    # an empty block, oneself, the age gap) that a branch would mispredict half the time
    k = 0
    d = 0
    for i in range(idx.shape[0]):
        me = idx[i]
        x = home[i] // height
        y = home[i] - x * height
        my_age = np.int64(age[me])
        for _ in range(n[i]):
            away = np.int64(draws[d, 0] >= same_share)  # a block in the ring, uniformly
            off = np.int64(draws[d, 1] * ring)
            r_pick = draws[d, 2]
            r_keep = draws[d, 3]
            d += 1
            tx = x + dx[off] * away
            ty = y + dy[off] * away
            inside = np.int64(
                (tx >= 0) & (tx < width) & (ty >= 0) & (ty < height) & ((away == 0) | (ring > 0))
            )  # (radius 0: there is no ring to go to)
            c = (tx * height + ty) * inside  # block 0 stands in off the map, never kept
            here = count[c] * inside
            other = members[min(start[c] + np.int64(r_pick * here), last)]
            gap = min(abs(my_age - np.int64(age[other])), 127)
            kept = (here > 0) & (other != me) & (r_keep < accept[gap])
            u[k] = me
            v[k] = other
            k += np.int64(kept)
    return u[:k], v[:k]


@njit(cache=True, error_model="numpy", nogil=True)
def _keyed(idx, column, key, age, per_age):  # pragma: no cover - compiled
    """The slots of ``idx`` whose ``column`` is set (0 or more), with a group key
    each: ``key * per_age + whole years of age`` (``per_age`` 0: ``key`` alone), in
    one pass instead of a mask, two gathers and the key's arithmetic."""
    members = np.empty(idx.shape[0], np.int64)
    keys = np.empty(idx.shape[0], np.int64)
    n = 0
    for k in range(idx.shape[0]):
        s = idx[k]
        if column[s] >= 0:
            members[n] = s
            g = np.int64(key[s])
            keys[n] = g * per_age + np.int64(age[s]) if per_age else g
            n += 1
    return members[:n], keys[:n]


@njit(cache=True, error_model="numpy", nogil=True)
def _contact_rates(
    idx,
    rate,
    free_offset,
    sociability,
    free_time,
    frailty,
    age,
    min_age,
    solidarity,
    cell,
    with_solidarity,
):  # pragma: no cover - compiled
    """``rate * sociability * (free_offset + free_time) * (1 - frailty / 2)`` for those aged
    ``min_age`` or more (0 for younger), times ``1 + 2 * solidarity`` of the home cell
    ``with_solidarity``. In float32 up to the solidarity factor, as NumPy computes the
    same expression from float32 columns and Python floats (float32 rates are exact in
    the float64 result, which is what ``Generator.poisson`` takes)."""
    out = np.empty(idx.shape[0])
    for k in range(idx.shape[0]):
        i = idx[k]
        r = rate * sociability[i]
        r = r * (free_offset + free_time[i])
        r = r * (np.float32(1.0) - np.float32(0.5) * frailty[i])
        r = r * np.float32(age[i] >= min_age)
        out[k] = np.float64(r) * (1.0 + 2.0 * solidarity[cell[i]]) if with_solidarity else r
    return out


@dataclass
class NearMeetings:
    """``meet_at_home_and_near``'s jobs: the pairs, one (u, v) per kind of meeting in
    ``_KINDS`` order, and then all of them packed and sorted for the tie merge
    (``tie_kernels.pack_sorted``), counted on the helper while the main thread
    handles the pairs."""

    pairs: Pending
    packed: Pending


def meet_at_home_and_near(
    model: KizunaModel, idx: np.ndarray, hv: HouseholdView, adjacency: Adjacency
) -> NearMeetings:
    """The week's meetings that need only its context, drawn and paired on the helper
    thread (``model.background``) while the residents volunteer and visit places and
    the organisations and paths draw theirs: households in full; neighbours by chance
    near home; co-workers and classmates (same school and age) within their group;
    calls on one's closest ties. Packing and sorting them for the merge queues behind.

    Their random numbers come from ``model.encounter_stream``, which only the helper's
    kernels draw from, one after another, so the main thread's draws need not wait and
    the numbers are the same with the helper or without. The kernel reads homes, ages,
    households and the tie lists, which nothing changes before ``WeekEncounters.pairs()``
    collects the pairs, and copies of the workplace and school columns.

    Sociable people with free time meet and call more; frailty keeps one in; after a
    disaster, neighbours meet more (solidarity); infants do not meet neighbours. Age
    homophily thins the meetings near home and at work (partners at home, at school and
    called on are already chosen by who one is).
    """
    p = model.params
    pop = model.population
    geo = model.geography
    age = pop.age
    scale = p.homophily_age_scale
    rate = _contact_rates(
        idx, np.float32(p.neighbourhood_contacts), np.float32(0.5), pop.sociability,
        pop.free_time, pop.frailty, age, np.float32(3.0), model.solidarity, pop.cell, True,
    )  # fmt: skip
    near = _neighbourhood_args(
        idx, pop.cell[idx], rate, model.cell_index(), geo.width, geo.height,
        p.neighbourhood_radius, p.same_block_share, age, scale,
    )  # fmt: skip
    workers, employer = _keyed(idx, pop.employer, pop.employer, age, 0)
    work = _groups_args(GroupIndex.build(workers, employer), p.work_contacts, age, scale)
    pupils, classes = _keyed(idx, pop.school, pop.school, age, 32)
    school = _groups_args(GroupIndex.build(pupils, classes), p.school_contacts, age)
    visit_rate = _contact_rates(
        idx, np.float32(p.visit_rate), np.float32(0.3), pop.sociability, pop.free_time,
        pop.frailty, age, np.float32(-1.0), model.solidarity, pop.cell, False,
    )  # fmt: skip
    calls = (
        idx, visit_rate, adjacency.start, adjacency.end, adjacency.nbr, adjacency.weight,
        pop.household,
    )  # fmt: skip
    households = (hv.index.members, hv.index.start, hv.index.size)
    pairs = background.later(
        _meet_at_home_and_near, model.encounter_stream, households, near, work, school, calls
    )
    packed = background.after(pairs, pack_sorted, _NEAR_CODES, pop.capacity)
    return NearMeetings(pairs, packed)


@njit(cache=True, error_model="numpy", nogil=True)
def _visits_drawn(idx, rate, start, end, nbr, nw, household, s):  # pragma: no cover
    """``visit_partners``'s pairs with the draws made here from stream ``s``: a
    Poisson(``rate``) number of calls per resident of ``idx``, then one uniform per call."""
    counts = streams.poisson_counts(s, rate)
    visits = np.zeros(household.shape[0], np.int64)
    for k in range(idx.shape[0]):
        visits[idx[k]] = counts[k]
    draws = streams.uniforms(s, counts.sum())
    return visit_partners(start, end, nbr, nw, household, visits, draws)


@njit(cache=True, error_model="numpy", nogil=True)
def _meet_at_home_and_near(s, households, near, work, school, calls):  # pragma: no cover
    """``meet_at_home_and_near``'s draws and pairings in one compiled call, in the order
    household, neighbourhood, work, school, visits: the helper thread needs the GIL
    only to start it and hand back its result."""
    return (
        _all_pairs(*households), _neighbours_drawn(*near, s), _groups_drawn(*work, s),
        _groups_drawn(*school, s), _visits_drawn(*calls, s),
    )  # fmt: skip


def week_encounters(
    model: KizunaModel,
    wk: WeekContext,
    volunteers: np.ndarray,
    visitors: np.ndarray,
    where: np.ndarray,
    near: NearMeetings,
) -> WeekEncounters:
    """Every encounter of the week, one (u, v) pair of arrays per kind of meeting (the
    caller joins them with the organisations' and paths' in one go): ``near``, from
    ``meet_at_home_and_near``, with the meetings of the week's visitors to the same
    place and volunteers of the same organisation within their group, thinned by age
    homophily, and friends introduced by friends.
    """
    p = model.params
    rng = model.rng
    age = model.population.age
    scale = p.homophily_age_scale
    place = within_groups(GroupIndex.build(visitors, where), p.place_contacts, rng, age, scale)
    # volunteers meet others of the same organisation (NPOs run their own activities)
    who, group = activity_groups(model, volunteers)
    activity = within_groups(GroupIndex.build(who, group), p.activity_contacts, rng, age, scale)
    idx = wk.idx
    introducers = idx[rng.random(len(idx)) < p.introduction_rate]
    introduced = wk.adjacency.introductions(introducers, rng)
    return WeekEncounters(near, (place, activity, introduced))


_KINDS = (
    Context.HOUSEHOLD, Context.NEIGHBOURHOOD, Context.WORK, Context.SCHOOL, Context.VISIT,
    Context.PLACE, Context.ACTIVITY, Context.INTRODUCTION,
)  # fmt: skip  # the order of WeekEncounters.pairs()
_NEAR = 5  # the first five kinds come from meet_at_home_and_near
_NEAR_CODES = np.array(_KINDS[:_NEAR], np.int64)


class WeekEncounters:
    """The week's encounters by kind of meeting, while some are being paired."""

    def __init__(self, near: NearMeetings, drawn: tuple[tuple[np.ndarray, np.ndarray], ...]):
        self._near = near
        self._drawn = drawn

    def pairs(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(u arrays, v arrays), one of each per kind of meeting, in ``_KINDS`` order."""
        pairs = [*self._near.pairs.result(), *self._drawn]
        return [u for u, _ in pairs], [v for _, v in pairs]

    def unsorted(self) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        """(u, v, context) arrays of the kinds drawn on the main thread (``_KINDS``
        from ``_NEAR`` on), for ``TieNetwork.apply_week`` beside ``near_packed()``."""
        us = [u for u, _ in self._drawn]
        vs = [v for _, v in self._drawn]
        kinds = _KINDS[_NEAR:]
        cs = [np.full(len(u), int(ctx), np.int64) for u, ctx in zip(us, kinds, strict=True)]
        return us, vs, cs

    def near_packed(self) -> np.ndarray:
        """The meetings of the first ``_NEAR`` kinds packed and sorted, as
        ``TieNetwork.apply_week`` takes them ``presorted``."""
        return self._near.packed.result()
