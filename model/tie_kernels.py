"""Compiled inner loops of the tie network (numba), one pass over the edges each.

NumPy would need a dozen temporaries per operation on the ~10^5-10^6 edge arrays;
these kernels walk the sorted edges once. They take no random numbers of their own:
callers pass uniforms drawn from the model's generator, so results do not depend on
how the code is compiled. ``cache=True`` stores the machine code next to this file,
so only the first run on a machine pays the compile time (about two seconds).
"""

from __future__ import annotations

import numpy as np
from numba import njit

CTX_BITS = 4
CTX_MASK = (1 << CTX_BITS) - 1
PAIR_BITS = 32
LOW_MASK = (1 << PAIR_BITS) - 1  # a packed pair's higher slot
_GAIN_TABLE = 64  # pairs met more often in a week work the power out


@njit(inline="always")
def _copy_edges(
    key, weight, context, formed, i, j, o_key, o_w, o_c, o_f, o, factor, floor, gone, check
):  # fmt: skip
    """Copy edges [i, j) to the output from slot ``o``, each weight multiplied by
    ``factor`` (float32, as ``decay_mask`` does) and dropped if it falls below ``floor``
    or, when ``check``, if it touches a resident marked in ``gone``; returns the next
    output slot and the number of edges dropped for ``gone``.

    An element loop: slicing six arrays for every short run costs more than it saves.
    Every edge is written and the slot kept only if it stays (the next edge overwrites a
    dropped one), without a branch: the output never runs ahead of the input, so the
    write is always in bounds.
    """
    left = 0
    for k in range(i, j):
        w = weight[k] * factor
        o_key[o] = key[k]
        o_w[o] = w
        o_c[o] = context[k]
        o_f[o] = formed[k]
        if check and (gone[key[k] >> PAIR_BITS] or gone[key[k] & LOW_MASK]):
            left += 1
        else:
            o += w >= floor
    return o, left


@njit(cache=True, error_model="numpy", nogil=True)
def merge_encounters(
    key,
    weight,
    context,
    formed,
    packed,
    form_prob,
    strengthen,
    draws,
    week,
    o_key,
    o_w,
    o_c,
    o_f,
    factor,
    floor,
    gone,
    check,
):  # pragma: no cover - compiled
    """Fold a week's sorted encounters into the sorted edges, writing into ``o_*``, and
    decay every resulting tie on the way out.

    ``packed`` holds ((lo << 32 | hi) << 4 | context) per encounter, sorted. Existing
    ties gain ``1 - (1 - s)^count`` of their gap to 1; a pair of strangers forms a tie
    if ``draws[g] < 1 - prod(1 - form_prob[ctx])`` over its encounters (g counts pairs).
    Then every weight is multiplied by ``factor`` (float32) and ties below ``floor``
    dissolve: the same numbers as merging, then ``decay_mask`` and ``compact``, in one
    pass instead of three (``factor`` 1 and ``floor`` -inf merge only). The output arrays
    need room for ``len(key) + len(packed)`` edges. Returns the number of edges kept,
    the number of ties formed and the number dissolved.

    With ``check``, the edges of residents marked in ``gone`` (who left since the last
    merge; their slots may hold newcomers by now) are dropped first, as
    ``drop_residents`` would have: they neither pass, nor dissolve, nor meet anyone, and
    a newcomer's encounter on such a pair meets a stranger.
    """
    n_enc = packed.shape[0]
    n_edges = key.shape[0]
    keep_s = 1.0 - strengthen
    # the gain for a pair met ``count`` times, by the same expression, for the usual counts
    gains = np.empty(_GAIN_TABLE)
    for c in range(_GAIN_TABLE):
        gains[c] = 1.0 - keep_s**c
    i = 0  # next edge
    o = 0  # next output slot
    g = 0  # pair counter (indexes draws)
    formed_n = 0
    merged = 0  # edges after the merge, before decay
    e = 0
    while e < n_enc:
        pair = packed[e] >> CTX_BITS
        first_ctx = packed[e] & CTX_MASK
        count = 0
        fail = 1.0
        while e < n_enc and (packed[e] >> CTX_BITS) == pair:
            fail *= 1.0 - form_prob[packed[e] & CTX_MASK]
            count += 1
            e += 1
        # edges that sort before this pair pass through unchanged
        j = i
        while j < n_edges and key[j] < pair:
            j += 1
        o, left = _copy_edges(
            key, weight, context, formed, i, j, o_key, o_w, o_c, o_f, o, factor, floor, gone,
            check,
        )  # fmt: skip
        merged += j - i - left
        i = j
        gain = gains[count] if count < _GAIN_TABLE else 1.0 - keep_s**count
        if (
            i < n_edges
            and key[i] == pair
            and check
            and (gone[pair >> PAIR_BITS] or gone[pair & LOW_MASK])
        ):
            i += 1  # a tie of someone who left: the pair are strangers now
        if i < n_edges and key[i] == pair:
            w = np.float32(weight[i] + gain * (1.0 - weight[i])) * factor
            merged += 1
            if w >= floor:
                o_key[o] = key[i]
                o_w[o] = w
                o_c[o] = context[i]
                o_f[o] = formed[i]
                o += 1
            i += 1
        elif draws[g] < 1.0 - fail:
            formed_n += 1
            merged += 1
            w = np.float32(gain) * factor
            if w >= floor:
                o_key[o] = pair
                o_w[o] = w
                o_c[o] = first_ctx  # lowest context code among the encounters
                o_f[o] = week
                o += 1
        g += 1
    o, left = _copy_edges(
        key, weight, context, formed, i, n_edges, o_key, o_w, o_c, o_f, o, factor, floor, gone,
        check,
    )  # fmt: skip
    merged += n_edges - i - left
    return o, formed_n, merged - o


@njit(cache=True, error_model="numpy", nogil=True)
def merge_split(key, packed):  # pragma: no cover - compiled
    """Where to cut a merge in two near its middle encounter, between two pairs: (the
    first encounter of the second half, the first edge of the second half, the number of
    pairs before the cut). ``merge_encounters`` on each side, with the draws from that
    number on for the second, gives the whole merge's edges: the edges that sort before
    the cut's pair meet only encounters before it."""
    e = packed.shape[0] // 2
    while e > 0 and (packed[e] >> CTX_BITS) == (packed[e - 1] >> CTX_BITS):
        e -= 1
    pairs = 0
    for k in range(e):
        pairs += k == 0 or (packed[k] >> CTX_BITS) != (packed[k - 1] >> CTX_BITS)
    return e, np.searchsorted(key, packed[e] >> CTX_BITS), pairs


@njit(cache=True, error_model="numpy", nogil=True)
def pack_encounters(u, v, ctx):  # pragma: no cover - compiled
    """Each encounter as ((lo << 32 | hi) << 4 | context), meetings with oneself left out
    (unsorted: the caller sorts)."""
    out = np.empty(u.shape[0], np.int64)
    k = 0
    for i in range(u.shape[0]):
        lo = min(u[i], v[i])
        hi = max(u[i], v[i])
        if lo != hi:
            out[k] = (((lo << PAIR_BITS) | hi) << CTX_BITS) | ctx[i]
            k += 1
    return out[:k]


_RADIX_BITS = 11  # 2,048 buckets a pass: the counts stay in the first-level cache
_RADIX = 1 << _RADIX_BITS


@njit(cache=True, error_model="numpy", nogil=True)
def pack_sorted(pairs, contexts, capacity):  # pragma: no cover - compiled
    """``pack_encounters`` of the ``(u, v)`` arrays in ``pairs`` (the k-th met in
    ``contexts[k]``), joined and sorted, in one compiled call the helper thread runs
    without the GIL (NumPy's sort would need Python around it there, holding the GIL;
    numba's own sort is several times slower).

    A least-significant-digit radix sort of each encounter's rank
    ``(lo * capacity + hi) * 16 + context``, which orders encounters as their packed
    keys do in ~2 log2(capacity) + 4 bits (three passes of 11 bits for 16,000 slots)
    instead of the packed key's 50-odd; a pass whose digit every rank shares is skipped.
    """
    total = 0
    for k in range(len(pairs)):
        total += pairs[k][0].shape[0]
    rank = np.empty(total, np.int64)
    n = 0
    top = 0
    for k in range(len(pairs)):
        u, v = pairs[k]
        c = contexts[k]
        for i in range(u.shape[0]):
            lo = min(u[i], v[i])
            hi = max(u[i], v[i])
            if lo != hi:
                r = (lo * capacity + hi) * (CTX_MASK + 1) + c
                rank[n] = r
                top = max(top, r)
                n += 1
    rank = rank[:n]
    bits = 0
    while (top >> bits) > 0:
        bits += 1
    passes = (bits + _RADIX_BITS - 1) // _RADIX_BITS
    counts = np.zeros((passes, _RADIX), np.int64)
    for i in range(n):
        r = rank[i]
        for p in range(passes):
            counts[p, (r >> (_RADIX_BITS * p)) & (_RADIX - 1)] += 1
    src = rank
    dst = np.empty(n, np.int64)
    for p in range(passes):
        c = counts[p]
        shared = False
        for d in range(_RADIX):
            if c[d] != 0:
                shared = c[d] == n
                break
        if shared:
            continue
        at = 0
        for d in range(_RADIX):
            t = c[d]
            c[d] = at
            at += t
        shift = _RADIX_BITS * p
        for i in range(n):
            r = src[i]
            d = (r >> shift) & (_RADIX - 1)
            dst[c[d]] = r
            c[d] += 1
        src, dst = dst, src
    out = dst  # the spare buffer
    for i in range(n):
        r = src[i]
        pair = r >> CTX_BITS
        lo = pair // capacity
        out[i] = (((lo << PAIR_BITS) | (pair - lo * capacity)) << CTX_BITS) | (r & CTX_MASK)
    return out


@njit(cache=True, error_model="numpy", nogil=True)
def merge_sorted(a, b):  # pragma: no cover - compiled
    """The sorted union (with repeats) of the sorted arrays ``a`` and ``b``: what
    sorting their concatenation gives, in one pass."""
    out = np.empty(a.shape[0] + b.shape[0], a.dtype)
    i = 0
    j = 0
    for o in range(out.shape[0]):
        if j == b.shape[0] or (i < a.shape[0] and a[i] <= b[j]):
            out[o] = a[i]
            i += 1
        else:
            out[o] = b[j]
            j += 1
    return out


@njit(cache=True, error_model="numpy", nogil=True)
def compact(key, weight, context, formed, keep):  # pragma: no cover - compiled
    """Keep the edges where ``keep`` is true, in place; returns the new length."""
    o = 0
    for i in range(key.shape[0]):
        if keep[i]:
            key[o] = key[i]
            weight[o] = weight[i]
            context[o] = context[i]
            formed[o] = formed[i]
            o += 1
    return o


@njit(cache=True, error_model="numpy", nogil=True)
def decay_mask(weight, factor, floor):  # pragma: no cover - compiled
    """Multiply weights by ``factor``; mark those still at or above ``floor``."""
    keep = np.empty(weight.shape[0], np.bool_)
    f = np.float32(factor)
    for i in range(weight.shape[0]):
        weight[i] *= f
        keep[i] = weight[i] >= floor
    return keep


@njit(cache=True, error_model="numpy", nogil=True)
def degree_by_class(a, b, edge_class, n_classes, capacity):  # pragma: no cover - compiled
    """Per slot, the number of ties in each edge class."""
    out = np.zeros((capacity, n_classes), np.int32)
    for e in range(a.shape[0]):
        c = edge_class[e]
        out[a[e], c] += 1
        out[b[e], c] += 1
    return out


@njit(cache=True, error_model="numpy", nogil=True)
def incident_lists(a, b, chosen, capacity):  # pragma: no cover - compiled
    """(node, neighbour) for every tie of the chosen nodes, grouped by node ascending.

    A counting sort: linear in the number of edges, no comparison sort.
    """
    count = np.zeros(capacity + 1, np.int64)
    for e in range(a.shape[0]):
        if chosen[a[e]]:
            count[a[e] + 1] += 1
        if chosen[b[e]]:
            count[b[e] + 1] += 1
    for i in range(capacity):
        count[i + 1] += count[i]
    total = count[capacity]
    node = np.empty(total, np.int64)
    other = np.empty(total, np.int64)
    fill = count[:capacity].copy()
    for e in range(a.shape[0]):
        x = a[e]
        y = b[e]
        if chosen[x]:
            node[fill[x]] = x
            other[fill[x]] = y
            fill[x] += 1
        if chosen[y]:
            node[fill[y]] = y
            other[fill[y]] = x
            fill[y] += 1
    return node, other


@njit(inline="always")
def _row_starts(key, capacity, indptr, fill):
    """Each row's start in ``indptr`` (and its end, ``indptr[1:]``) from the ties'
    ends; ``fill`` set to the starts, where the rows are then filled from."""
    indptr[:] = 0
    for e in range(key.shape[0]):
        indptr[(key[e] >> PAIR_BITS) + 1] += 1
        indptr[(key[e] & LOW_MASK) + 1] += 1
    for i in range(capacity):
        indptr[i + 1] += indptr[i]
    fill[:] = indptr[:capacity]


@njit(cache=True, error_model="numpy", nogil=True)
def build_adjacency(key, weight, capacity, indptr, nbr, nw, fill):  # pragma: no cover
    """Both directions of every tie grouped by node (CSR) into the given buffers:
    ``indptr`` (capacity + 1), neighbour ``nbr`` and weight ``nw`` (2 x edges);
    ``fill`` (capacity) ends as each row's end, ``indptr[1:]``, which ``csr_remove``
    then lowers while ``indptr[:-1]`` stays each row's start. Reusing buffers spares a
    fresh allocation (and its page faults) every week."""
    _row_starts(key, capacity, indptr, fill)
    for e in range(key.shape[0]):
        _place(key[e] >> PAIR_BITS, key[e] & LOW_MASK, weight[e], nbr, nw, fill)


@njit(inline="always")
def _place(x, y, w, nbr, nw, fill):
    """Tie (x, y, weight ``w``) at the next free place of both its rows."""
    _place_in(x, y, w, nbr, nw, fill)
    _place_in(y, x, w, nbr, nw, fill)


@njit(inline="always")
def _place_in(row, other, w, nbr, nw, fill):
    """Tie to ``other`` (weight ``w``) at the next free place of ``row``."""
    at = fill[row]
    nbr[at] = other
    nw[at] = w
    fill[row] = at + 1


@njit(inline="always")
def _tie_sums(start, end, nbr, nw, values, i):
    """Slot ``i``'s total tie weight and tie-weighted sums of the three columns of
    ``values`` over its ties, summed in registers (a loop over columns is ~40% slower)."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for j in range(start[i], end[i]):
        o = nbr[j]
        wj = nw[j]
        s0 += wj
        s1 += wj * values[o, 0]
        s2 += wj * values[o, 1]
        s3 += wj * values[o, 2]
    return s0, s1, s2, s3


@njit(cache=True, error_model="numpy", nogil=True)
def weighted_sums(start, end, nbr, nw, values, sums):  # pragma: no cover - compiled
    """Per slot: total tie weight (column 0) and tie-weighted sums of the three columns
    of ``values`` over the slot's ties."""
    for i in range(start.shape[0]):
        sums[i, 0], sums[i, 1], sums[i, 2], sums[i, 3] = _tie_sums(start, end, nbr, nw, values, i)


@njit(cache=True, error_model="numpy", nogil=True)
def peer_shares(start, end, nbr, nw, idx, values):  # pragma: no cover - compiled
    """For each slot in ``idx``: the tie-weighted means of the three columns of
    ``values`` over its ties, and whether it has any tie weight at all (means 0 if
    not). The sums of ``weighted_sums``, in the same order, divided by the weight."""
    n = idx.shape[0]
    shares = np.zeros((n, 3))
    has = np.zeros(n, np.bool_)
    for k in range(n):
        s0, s1, s2, s3 = _tie_sums(start, end, nbr, nw, values, idx[k])
        if s0 > 0:
            has[k] = True
            shares[k, 0] = s1 / s0
            shares[k, 1] = s2 / s0
            shares[k, 2] = s3 / s0
    return shares, has


@njit(cache=True, error_model="numpy", nogil=True)
def visit_partners(start, end, nbr, nw, household, visits, draws):  # pragma: no cover
    """Each resident makes ``visits[slot]`` visits to ties outside their household,
    choosing whom with probability proportional to tie weight (people call on those
    they are closest to). ``draws`` holds one uniform per visit, consumed by slot.
    Returns (visitor, visited) arrays; residents with no outside ties make none."""
    total = 0
    max_degree = 0
    for i in range(visits.shape[0]):
        total += visits[i]
        if visits[i] > 0:
            max_degree = max(max_degree, end[i] - start[i])
    u = np.empty(total, np.int64)
    v = np.empty(total, np.int64)
    # each visitor's outside ties and their running weight, found once (not per visit)
    cum = np.empty(max_degree)
    pick_of = np.empty(max_degree, np.int64)
    n = 0
    d = 0
    for i in range(visits.shape[0]):
        k = visits[i]
        if k == 0:
            continue
        home = household[i]
        m = 0
        w_sum = 0.0
        for j in range(start[i], end[i]):
            if household[nbr[j]] != home:
                w_sum += nw[j]
                cum[m] = w_sum
                pick_of[m] = nbr[j]
                m += 1
        for _ in range(k):
            r = draws[d] * w_sum
            d += 1
            if w_sum <= 0.0:
                continue
            c = 0  # the first outside tie whose running weight reaches r (else the last)
            while c < m - 1 and cum[c] < r:
                c += 1
            u[n] = i
            v[n] = pick_of[c]
            n += 1
    return u[:n], v[:n]


@njit(cache=True, error_model="numpy", nogil=True)
def drop_residents(key, weight, context, formed, gone):  # pragma: no cover - compiled
    """Remove, in place, every tie touching a slot marked in ``gone``; returns new length."""
    o = 0
    for i in range(key.shape[0]):
        if gone[key[i] >> PAIR_BITS] or gone[key[i] & LOW_MASK]:
            continue
        key[o] = key[i]
        weight[o] = weight[i]
        context[o] = context[i]
        formed[o] = formed[i]
        o += 1
    return o


@njit(inline="always")
def _row_search(nbr, left, right, target):
    """The first position in the sorted row ``nbr[left:right]`` not below ``target``."""
    while left < right:
        mid = (left + right) >> 1
        if nbr[mid] < target:
            left = mid + 1
        else:
            right = mid
    return left


@njit(cache=True, error_model="numpy", nogil=True)
def csr_remove(start, end, nbr, nw, gone, slots):  # pragma: no cover - compiled
    """Drop, in place, the ties of the sorted, unique ``slots`` (marked in ``gone``) from
    the lists ``nbr[start[i]:end[i]]``, keeping the order of the rest: the lists
    ``build_adjacency`` would build from the edges left after ``drop_residents``.

    A week's leavers touch a few hundred entries: their own lists empty, and their
    entry in each neighbour's sorted list (found by binary search) goes, the rest of
    that short list moving up one. Rows keep their slack, so nothing else moves.
    """
    for s in slots:
        for j in range(start[s], end[s]):
            x = nbr[j]
            if gone[x]:
                continue  # x's own list empties
            for k in range(_row_search(nbr, start[x], end[x], s), end[x] - 1):
                nbr[k] = nbr[k + 1]
                nw[k] = nw[k + 1]
            end[x] -= 1
        end[s] = start[s]


@njit(cache=True, error_model="numpy", nogil=True)
def csr_has_edges(start, end, nbr, lo, hi):  # pragma: no cover - compiled
    """Whether each (lo, hi) pair is tied: a binary search of ``hi`` in row ``lo``,
    whose neighbours are sorted (a short row in cache, not the whole edge key array)."""
    out = np.empty(lo.shape[0], np.bool_)
    for k in range(lo.shape[0]):
        at = _row_search(nbr, start[lo[k]], end[lo[k]], hi[k])
        out[k] = at < end[lo[k]] and nbr[at] == hi[k]
    return out


@njit(cache=True, error_model="numpy", nogil=True)
def closed_wedges(
    first, deg, per_node, u_first, u_second, other, start, end, nbr
):  # pragma: no cover
    """How many sampled wedges are closed: node ``k`` (list ``other[first[k]:][:deg[k]]``,
    two or more ties) gets ``per_node`` wedges, wedge ``q`` picking its ties
    ``int(u_first[q] * deg)`` and, of the others, ``int(u_second[q] * (deg - 1))``; a
    wedge is closed if those two are tied (a search in the lower one's sorted list).
    The same picks as repeating the lists and drawing per wedge with NumPy."""
    closed = 0
    q = 0
    for k in range(deg.shape[0]):
        d = deg[k]
        for _ in range(per_node):
            i = np.int64(u_first[q] * d)
            j = np.int64(u_second[q] * (d - 1))
            q += 1
            j += j >= i
            x = other[first[k] + i]
            y = other[first[k] + j]
            lo = min(x, y)
            hi = max(x, y)
            at = _row_search(nbr, start[lo], end[lo], hi)
            closed += at < end[lo] and nbr[at] == hi
    return closed


@njit(cache=True, error_model="numpy", nogil=True)
def csr_census(
    start, end, nbr, nw, household, generation, strong, nodes, counts
):  # pragma: no cover - compiled
    """The tie census from the adjacency lists, row by row (each row's counts written
    in place, where a pass over the edges scatters two increments per tie), into the
    zeroed ``counts`` (capacity, 4): a kernel queued after this one on the helper thread
    can be handed the buffer before it is filled.

    Per slot, its ties by class (0 household weak, 1 household strong, 2 outside weak,
    3 outside strong); the ties outside households and how many of those link
    generations (each tie counted from its lower end); and the rows of the sorted,
    unique ``nodes`` as ``first, deg, other`` (``other[first[k]:first[k] + deg[k]]``).
    """
    capacity = start.shape[0]
    n_outside = 0
    n_bridge = 0
    for i in range(capacity):
        home = household[i]
        gen = generation[i]
        for j in range(start[i], end[i]):
            o = nbr[j]
            outside = household[o] != home
            counts[i, 2 * outside + (nw[j] >= strong)] += 1
            if o > i:
                n_outside += outside
                n_bridge += outside & (generation[o] != gen)
    first, deg, other = _rows_of(start, end, nbr, nodes)
    return counts, n_outside, n_bridge, first, deg, other


@njit(inline="always")
def _rows_of(start, end, nbr, nodes):
    """The lists' rows of the sorted, unique ``nodes``, as ``first, deg, other``."""
    m = nodes.shape[0]
    first = np.empty(m, np.int64)
    deg = np.empty(m, np.int64)
    total = 0
    for k in range(m):
        first[k] = total
        deg[k] = end[nodes[k]] - start[nodes[k]]
        total += deg[k]
    other = np.empty(total, np.int64)
    for k in range(m):
        row = start[nodes[k]]
        for j in range(deg[k]):
            other[first[k] + j] = nbr[row + j]
    return first, deg, other


@njit(cache=True, error_model="numpy", nogil=True)
def census_cut(key, capacity, indptr, fill, share):  # pragma: no cover - compiled
    """``lists_and_census`` in two parts for two threads, first: the rows' starts (as
    ``_row_starts`` sets them) and the row where the second part starts, the first
    whose start reaches ``share`` of the lists' entries (the placing is most of the
    work, so the first part does about that share of it)."""
    _row_starts(key, capacity, indptr, fill)
    return np.searchsorted(indptr[:capacity], np.int64(share * 2 * key.shape[0]))


@njit(cache=True, error_model="numpy", nogil=True)
def census_rows(
    key, weight, lo, hi, nbr, nw, fill, household, generation, strong, counts
):  # pragma: no cover - compiled
    """Rows ``lo`` to ``hi`` of ``lists_and_census`` after ``census_cut``: the same
    lists and counts in them, and the ties outside households (and across generations)
    whose lower end is among them. Two calls on disjoint rows write disjoint memory, so
    they may run at once. Each row is filled in the whole pass's order: first the ties
    to lower slots (ties (x, r), before ``lo``'s block of the sorted keys or in it),
    then those to higher ones (r's own block)."""
    n_outside = 0
    n_bridge = 0
    first = np.searchsorted(key, np.int64(lo) << PAIR_BITS)
    last = np.searchsorted(key, np.int64(hi) << PAIR_BITS)
    for e in range(first):  # lower end below lo: only the higher end may be here
        y = key[e] & LOW_MASK
        if y >= lo and y < hi:
            x = key[e] >> PAIR_BITS
            w = weight[e]
            c = 2 * (household[x] != household[y]) + (w >= strong)
            _place_in(y, x, w, nbr, nw, fill)
            counts[y, c] += 1
    for e in range(first, last):  # lower end here; the higher end too if below hi
        x = key[e] >> PAIR_BITS
        y = key[e] & LOW_MASK
        w = weight[e]
        outside = household[x] != household[y]
        c = 2 * outside + (w >= strong)
        _place_in(x, y, w, nbr, nw, fill)
        counts[x, c] += 1
        n_outside += outside
        n_bridge += outside & (generation[x] != generation[y])
        if y < hi:
            _place_in(y, x, w, nbr, nw, fill)
            counts[y, c] += 1
    return n_outside, n_bridge


@njit(cache=True, error_model="numpy", nogil=True)
def rows_of(start, end, nbr, nodes):  # pragma: no cover - compiled
    """The lists' rows of the sorted, unique ``nodes``, as ``first, deg, other``."""
    return _rows_of(start, end, nbr, nodes)


@njit(cache=True, error_model="numpy", nogil=True)
def lists_and_census(
    key, weight, capacity, indptr, nbr, nw, fill, household, generation, strong, nodes, counts
):  # pragma: no cover - compiled
    """``build_adjacency`` and ``csr_census`` in one call (one hand-over to the helper
    thread instead of two) and one pass over the edges: the census's counts are taken
    as each tie is placed in its two rows, where reading the rows back cost as much
    again as building them. The same counts, in the same buffer."""
    _row_starts(key, capacity, indptr, fill)
    n_outside = 0
    n_bridge = 0
    for e in range(key.shape[0]):
        x = key[e] >> PAIR_BITS
        y = key[e] & LOW_MASK
        w = weight[e]
        _place(x, y, w, nbr, nw, fill)
        outside = household[x] != household[y]
        c = 2 * outside + (w >= strong)
        counts[x, c] += 1
        counts[y, c] += 1
        n_outside += outside
        n_bridge += outside & (generation[x] != generation[y])
    first, deg, other = _rows_of(indptr[:-1], fill, nbr, nodes)
    return counts, n_outside, n_bridge, first, deg, other
