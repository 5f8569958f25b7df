"""The weighted, undirected tie network among residents and how it changes each week.

Edges are kept as parallel arrays sorted by a packed key ``(a << 32) | b`` with
``a < b`` (resident slots). Sorting by key keeps lookups a ``searchsorted`` and lets a
whole week's encounters be merged in one pass, with no Python loop over residents.

Weekly life of a tie: encounters in some context strengthen it (``w += s * (1 - w)``
per encounter) or, between strangers, form it with a context-dependent probability;
every tie then decays by a constant share and dissolves below a floor. Ties at or above
``strong_threshold`` are the strong ("kinjo") ties that matter in a disaster; weaker
ones carry information and invitations (Granovetter 1973).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import networkx as nx
import numpy as np

from model import background, kernel_rng, outcome_kernels
from model import tie_kernels as kernels
from model.background import Pending

_PAIR_BITS = kernels.PAIR_BITS
_CTX_BITS = kernels.CTX_BITS
MAX_SLOTS = 1 << 27  # packed encounter keys need a < 2**27
_NOBODY = np.zeros(1, dtype=bool)  # no leavers to drop in a merge
_SPLIT_MIN = 4096  # encounters below which a merge is not worth handing half of over
# ties from which the census is cut in halves, one done on the main thread: in a town the
# main thread is the week's critical path and the helper has time for the whole census
# (10,000 residents, ~80,000 ties); in a city the helper is, and the main thread waits
_CENSUS_SPLIT_MIN = 300_000
# the helper's share of it: after its part it has only the tallies and the clustering
# estimate to do, the main thread the rest of the week (giving, the organisations'
# calendar, the outcomes that need no census)
_CENSUS_HELPER_SHARE = 0.6


class Context(IntEnum):
    """Where two residents met; also recorded as the context a tie formed in."""

    HOUSEHOLD = 0
    NEIGHBOURHOOD = 1
    WORK = 2
    SCHOOL = 3
    PLACE = 4
    ACTIVITY = 5
    INTRODUCTION = 6
    VISIT = 7
    ASSOCIATION = 8  # neighbourhood-association events and fire-brigade drills
    NPO = 9  # NPO activities: volunteers with each other and the people they serve
    COORDINATOR = 10  # introductions by the municipality's coordinators
    EVENT = 11  # town events such as the shopping street's summer festival
    CROSS_SECTOR = 12  # meetings of people from different organisations (platforms)
    DISASTER = 13  # rescuers and the people they reached


_FIELDS = (
    ("key", np.int64),  # (a << 32) | b: the two ends are read off the key, not stored
    ("weight", np.float32),
    ("context", np.int8),
    ("formed", np.int32),  # week the tie formed
)


class _EdgeBuffer:
    """One set of preallocated edge arrays; the network swaps two of them each merge."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        for name, dtype in _FIELDS:
            setattr(self, name, np.empty(capacity, dtype))

    def arrays(self) -> list[np.ndarray]:
        return [getattr(self, name) for name, _ in _FIELDS]


@dataclass
class Neighbours:
    """Some residents' ties as lists: node k's neighbours are
    ``other[start[k]:start[k] + deg[k]]``, in edge order."""

    start: np.ndarray
    deg: np.ndarray
    other: np.ndarray


@dataclass
class Adjacency:
    """The ties of every resident as lists sorted by neighbour: ``nbr[start[i]:end[i]]``
    (a row may have slack after its end, left by residents who moved away)."""

    start: np.ndarray
    end: np.ndarray
    nbr: np.ndarray
    weight: np.ndarray
    sums: np.ndarray  # per slot: total tie weight, then tie-weighted sums of the values

    def degree(self, nodes: np.ndarray) -> np.ndarray:
        return self.end[nodes] - self.start[nodes]

    def peer_shares(self, idx: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each slot in ``idx``, the tie-weighted means of the three columns of
        ``values`` (capacity x 3) over its ties (0 without ties), and whether it has ties."""
        return kernels.peer_shares(self.start, self.end, self.nbr, self.weight, idx, values)

    def peer_shares_later(self, idx: np.ndarray, values: np.ndarray) -> Pending:
        """``peer_shares`` on the helper thread (``model.background``): the lists and
        ``values`` must not change until the result is collected."""
        return background.later(
            kernels.peer_shares, self.start, self.end, self.nbr, self.weight, idx, values
        )

    def introductions(
        self, introducers: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each introducer with two or more ties brings two of them together."""
        deg = self.degree(introducers)
        ok = deg >= 2
        start, deg = self.start[introducers[ok]], deg[ok]
        i = (rng.random(len(deg)) * deg).astype(np.int64)
        j = (rng.random(len(deg)) * (deg - 1)).astype(np.int64)
        j = j + (j >= i)  # a second, different tie
        return self.nbr[start + i], self.nbr[start + j]

    def visits(
        self, visits: np.ndarray, household: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Residents call on ties outside their household, the closest most often.

        ``visits[slot]`` is how many visits each resident makes this week.
        """
        return kernels.visit_partners(*self.visit_args(visits, household, rng))

    def visit_args(self, visits: np.ndarray, household: np.ndarray, rng: np.random.Generator):
        """``visits``'s draws, as the arguments of ``tie_kernels.visit_partners``."""
        draws = rng.random(int(visits.sum()))
        return (
            self.start, self.end, self.nbr, self.weight, household, visits.astype(np.int64),
            draws,
        )  # fmt: skip


class PendingCensus(background.Then):
    """A census being counted on the helper thread; ``by_class`` is the buffer its
    per-slot counts go into, complete once the job is done, so a kernel queued after it
    on the helper may be handed the buffer now."""

    __slots__ = ("by_class", "counted", "sample")

    def __init__(
        self, pending: Pending, finish, by_class: np.ndarray, sample: np.ndarray,
        counted: Pending | None = None,
    ) -> None:  # fmt: skip
        super().__init__(pending, finish)
        self.by_class = by_class
        self.sample = sample  # the residents whose lists the census gathers
        # the helper's job itself (not a finish run on whichever thread collects it
        # first), for a kernel queued after it to take its raw result
        self.counted = pending if counted is None else counted


def _sampled_clustering(raw: tuple, h: np.ndarray, per_node: int, n_nodes: int, *rows) -> float:
    start, deg, other = raw[3:]  # the sample's lists, as ``_census_result`` reads them
    return float(outcome_kernels.sampled_clustering(h, start, deg, other, per_node, n_nodes, *rows))


def _census_joined(lower: tuple, upper: tuple, indptr, fill, nbr, nodes, counts) -> tuple:
    """The two halves' census as ``lists_and_census`` returns it whole."""
    rows = kernels.rows_of(indptr[:-1], fill, nbr, nodes)
    return counts, lower[0] + upper[0], lower[1] + upper[1], *rows


def _census_result(raw: tuple) -> tuple[np.ndarray, int, int, Neighbours]:
    counts, n_out, n_bridge, *lists = raw
    return counts, int(n_out), int(n_bridge), Neighbours(*lists)


class TieNetwork:
    """Edge arrays plus the weekly operations on them.

    ``key``, ``a``, ``b``, ``weight``, ``context`` and ``formed`` are views of the first
    ``len(self)`` rows of preallocated buffers, so a week's merge writes into memory
    that already exists instead of allocating (and page-faulting) fresh arrays.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._front = _EdgeBuffer(capacity)
        self._back = _EdgeBuffer(capacity)
        self.n = 0
        # whether the adjacency buffers hold the lists of the current edges: built for
        # the census at the end of a week, they serve the next week's context too, kept
        # up to date when residents leave (anything else that changes ties clears it)
        self._lists_current = False
        # residents cut from the lists whose edges are still in the arrays: the next
        # merge, which rewrites every edge anyway, drops them (any other reader of the
        # edges first drops them in a pass of its own)
        self._leavers: np.ndarray | None = None
        # work on the helper thread that reads or writes the lists (``build_lists``,
        # ``census_later``): everything else that touches them waits for it first
        self._jobs: list[Pending] = []

    def __len__(self) -> int:
        self._settle()
        return self.n

    def _edges(self, name: str) -> np.ndarray:
        self._settle()
        return getattr(self._front, name)[: self.n]

    key = property(lambda self: self._edges("key"))
    a = property(lambda self: (self.key >> _PAIR_BITS).astype(np.int32))  # the lower end
    b = property(lambda self: (self.key & kernels.LOW_MASK).astype(np.int32))  # the higher
    weight = property(lambda self: self._edges("weight"))
    context = property(lambda self: self._edges("context"))
    formed = property(lambda self: self._edges("formed"))

    def _views(self) -> list[np.ndarray]:
        self._settle()
        return self._raw_views()

    def _raw_views(self) -> list[np.ndarray]:
        return [arr[: self.n] for arr in self._front.arrays()]

    def build_lists(self, capacity: int) -> None:
        """Start building the adjacency lists on the helper thread (see
        ``model.background``) unless they are built or being built: the next
        ``adjacency(capacity)`` finds them ready. Everything else that reads or writes
        the lists waits for them first."""
        if not self._lists_built(capacity):
            build = self._build_args(capacity)
            self._jobs.append(background.later(kernels.build_adjacency, *build))
            self._lists_current = True

    def _lists_built(self, capacity: int) -> bool:
        """Whether the lists of the current edges are built (or being built)."""
        return self._lists_current and self.__dict__["_adj"]["capacity"] == capacity

    def _build_args(self, capacity: int) -> tuple:
        """``tie_kernels.build_adjacency``'s arguments, once nothing else uses the lists."""
        self._wait_for_lists()
        self._settle()
        buf = self._adjacency_buffers(capacity)
        return self.key, self.weight, capacity, buf["indptr"], buf["nbr"], buf["nw"], buf["fill"]

    def census_later(
        self,
        household: np.ndarray,
        generation: np.ndarray,
        strong_threshold: float,
        capacity: int,
        nodes: np.ndarray,
    ) -> PendingCensus:
        """``census_with_neighbours`` on the helper thread, after the lists it builds
        (if they are not built yet, in the same call). ``household`` and ``generation``
        must not change until the result is collected."""
        census = (household, generation, strong_threshold, nodes, capacity)
        if self._lists_built(capacity):
            args = self._census_args(*census)
            raw = background.later(kernels.csr_census, *args)
        else:
            build = self._build_args(capacity)
            args = self._census_args(*census)
            if background.ENABLED and len(build[0]) >= _CENSUS_SPLIT_MIN:
                raw = self._census_in_halves(build, args)
            else:
                raw = background.later(kernels.lists_and_census, *build, *args[4:])
            self._lists_current = True
        self._jobs.append(raw)
        return PendingCensus(raw, _census_result, args[-1], census[3])

    @staticmethod
    def _census_in_halves(build: tuple, args: tuple) -> Pending:
        """``lists_and_census`` cut in two between rows, the lower rows placed and counted
        on the helper while this thread does the upper: a city's census is the helper's
        longest job (100,000 residents: ~22 ms in the week, with the main thread
        waiting ~13 ms for it). The same lists and counts."""
        key, weight, capacity, indptr, nbr, nw, fill = build
        household, generation, strong, nodes, counts = args[4:]
        cut = int(kernels.census_cut(key, capacity, indptr, fill, _CENSUS_HELPER_SHARE))
        rows = (nbr, nw, fill, household, generation, strong, counts)
        lower = background.later(kernels.census_rows, key, weight, 0, cut, *rows)
        upper = kernels.census_rows(key, weight, cut, capacity, *rows)
        return background.after(lower, _census_joined, upper, indptr, fill, nbr, nodes, counts)

    def clustering_later(
        self, census: PendingCensus, n_nodes: int, wedges_per_node: int, rng: np.random.Generator
    ) -> Pending:
        """``average_clustering`` of the ``n_nodes`` sampled residents whose lists the
        pending ``census`` (``census_later``) gathers, estimated on the helper thread
        after it, drawing the wedges from ``rng`` there: nothing else may draw from
        ``rng`` until the result is collected."""
        buf = self.__dict__["_adj"]
        job = background.after(
            census.counted, _sampled_clustering, kernel_rng.handle(rng), wedges_per_node,
            n_nodes, buf["indptr"], buf["fill"], buf["nbr"],
        )  # fmt: skip
        self._jobs.append(job)
        return job

    def _wait_for_lists(self) -> None:
        for job in self._jobs:
            job.result()
        self._jobs.clear()

    def _settle(self) -> None:
        """Drop the edges of residents who left, if the merge has not yet."""
        if self._leavers is not None:
            self.n = int(kernels.drop_residents(*self._raw_views(), self._leavers))
            self._leavers = None

    @classmethod
    def from_arrays(cls, **arrays: np.ndarray) -> TieNetwork:
        """A network holding the given (sorted, de-duplicated) edge arrays (``a`` and
        ``b``, if given, must be the key's two ends: the network reads them off the key)."""
        n = len(arrays["key"])
        net = cls(max(n, 16))
        for name, dtype in _FIELDS:
            getattr(net._front, name)[:n] = np.asarray(arrays[name], dtype)
        net.n = n
        return net

    def subset(self, keep: np.ndarray) -> TieNetwork:
        return TieNetwork.from_arrays(**{name: getattr(self, name)[keep] for name, _ in _FIELDS})

    # --- weekly dynamics ---------------------------------------------------------------------
    def apply_encounters(
        self,
        u: np.ndarray,
        v: np.ndarray,
        ctx: np.ndarray,
        form_prob: np.ndarray,
        strengthen: float,
        week: int,
        rng: np.random.Generator,
    ) -> int:
        """Strengthen ties between those who met; form new ones by chance.

        ``form_prob[c]`` is the chance one encounter in context ``c`` starts a tie
        between strangers; several encounters in a week combine as independent tries.
        Returns the number of ties formed.
        """
        packed = self.sort_encounters(u, v, ctx)
        formed, _ = self.apply_week_sorted(packed, form_prob, strengthen, week, rng, None, -np.inf)
        return formed

    @staticmethod
    def sort_encounters(u: np.ndarray, v: np.ndarray, ctx: np.ndarray) -> np.ndarray:
        """Encounters packed and sorted as the merge takes them (``apply_week_sorted``);
        meetings with oneself left out."""
        packed = kernels.pack_encounters(
            np.asarray(u, np.int64), np.asarray(v, np.int64), np.asarray(ctx, np.int64)
        )
        packed.sort()
        return packed

    def apply_week(
        self,
        u: np.ndarray,
        v: np.ndarray,
        ctx: np.ndarray,
        form_prob: np.ndarray,
        strengthen: float,
        week: int,
        rng: np.random.Generator,
        decay_rate: float,
        floor: float,
        presorted: np.ndarray | None = None,
    ) -> tuple[int, int]:
        """A week of ties: ``apply_encounters`` then ``decay``, in one pass over the
        edges (the same numbers). Returns (formed, dissolved).

        ``presorted``: more encounters, packed and sorted (``tie_kernels.pack_sorted``,
        done on the helper thread), met as if they were in ``u``, ``v`` and ``ctx``."""
        packed = self.sort_encounters(u, v, ctx)
        return self.apply_week_sorted(
            packed, form_prob, strengthen, week, rng, decay_rate, floor, presorted
        )

    def apply_week_sorted(
        self, packed, form_prob, strengthen, week, rng, decay_rate: float | None, floor: float,
        presorted: np.ndarray | None = None,
    ) -> tuple[int, int]:  # fmt: skip
        """``apply_week`` of encounters packed and sorted already (``sort_encounters``:
        the week sorts its own while the helper pairs the rest); without a
        ``decay_rate``, ``apply_encounters``."""
        self._wait_for_lists()  # the build reads the edges the merge is about to swap
        self._lists_current = False
        if presorted is not None:  # sorting the joined encounters would give the same
            packed = kernels.merge_sorted(presorted, packed)
        if len(packed) == 0:
            return 0, (self.decay(decay_rate, floor) if decay_rate is not None else 0)
        draws = rng.random(len(packed))
        need = self.n + len(packed)
        if self._back.capacity < need:
            self._back = _EdgeBuffer(max(need, 2 * self._back.capacity))
        leavers = self._leavers
        n, formed, dissolved = self._merge_in_halves(
            self._raw_views(), packed, np.asarray(form_prob, np.float64), float(strengthen),
            draws, np.int32(week), self._back.arrays(),
            np.float32(1.0 if decay_rate is None else 1.0 - decay_rate), np.float32(floor),
            _NOBODY if leavers is None else leavers, leavers is not None,
        )  # fmt: skip
        self._front, self._back = self._back, self._front
        self.n = int(n)
        self._leavers = None
        return int(formed), int(dissolved)

    @staticmethod
    def _merge_in_halves(edges, packed, form_prob, strengthen, draws, week, out, *rest):
        """``tie_kernels.merge_encounters`` cut in two between pairs, the second half
        merged on the helper thread into the output's far end while this thread merges
        the first, then moved down behind it: the same edges, ~half the time here."""
        if not background.ENABLED or len(packed) < _SPLIT_MIN:
            return kernels.merge_encounters(
                *edges, packed, form_prob, strengthen, draws, week, *out, *rest
            )
        e, i, pairs = kernels.merge_split(edges[0], packed)
        gap = int(i) + int(e)  # room for the first half's edges, however many stay
        second = background.later(
            kernels.merge_encounters, *(x[i:] for x in edges), packed[e:], form_prob,
            strengthen, draws[pairs:], week, *(x[gap:] for x in out), *rest,
        )  # fmt: skip  # (the helper takes the GIL as this thread enters its own half)
        n1, f1, d1 = kernels.merge_encounters(
            *(x[:i] for x in edges), packed[:e], form_prob, strengthen, draws, week,
            *out, *rest,
        )  # fmt: skip
        n2, f2, d2 = second.result()
        if n1 < gap:
            for x in out:
                x[n1 : n1 + n2] = x[gap : gap + n2]
        return n1 + n2, f1 + f2, d1 + d2

    def decay(self, rate: float, floor: float) -> int:
        """Weaken every tie; dissolve those that fall below the floor. Returns dissolved."""
        self._wait_for_lists()
        self._lists_current = False
        keep = kernels.decay_mask(self.weight, 1.0 - rate, np.float32(floor))
        return self._filter(keep)

    def remove_residents(self, slots: np.ndarray, capacity: int) -> None:
        """Drop every tie of residents who died or left.

        With the lists current, they are edited now and the edges at the next merge
        (or whenever something reads them first).
        """
        if len(slots) == 0 or self.n == 0:
            return
        self._wait_for_lists()
        buf = self.__dict__.get("_adj", {})
        if self._lists_current and buf.get("capacity") == capacity:
            if self._leavers is not None and len(self._leavers) != capacity:
                self._settle()
            if self._leavers is None:
                self._leavers = np.zeros(capacity, dtype=bool)
            self._leavers[slots] = True
            start, end = buf["indptr"][:-1], buf["fill"]
            kernels.csr_remove(start, end, buf["nbr"], buf["nw"], self._leavers, np.unique(slots))
            return
        gone = np.zeros(capacity, dtype=bool)
        gone[slots] = True
        self.n = int(kernels.drop_residents(*self._views(), gone))
        self._lists_current = False

    def _filter(self, keep: np.ndarray) -> int:
        """Keep edges where ``keep`` (in place); returns how many were dropped."""
        self._wait_for_lists()
        self._lists_current = False
        n = int(kernels.compact(*self._views(), keep))
        dropped = self.n - n
        self.n = n
        return dropped

    # --- queries -----------------------------------------------------------------------------
    def degree(self, capacity: int, mask: np.ndarray | None = None) -> np.ndarray:
        """Number of ties of each slot (only edges in ``mask`` if given)."""
        cls = np.zeros(len(self.key), np.int8) if mask is None else mask.astype(np.int8)
        counts = kernels.degree_by_class(self.a, self.b, cls, 2, capacity)
        return counts[:, 0] + counts[:, 1] if mask is None else counts[:, 1]

    def census(
        self, household: np.ndarray, generation: np.ndarray, strong_threshold: float, capacity: int
    ) -> tuple[np.ndarray, int, int]:
        """Per-slot tie counts by (outside household, strong), ties outside households,
        and how many of those bridge generations (see ``tie_kernels.csr_census``)."""
        nobody = np.empty(0, np.int64)
        args = (household, generation, strong_threshold, capacity, nobody)
        counts, n_out, n_bridge, _ = self.census_with_neighbours(*args)
        return counts, n_out, n_bridge

    def census_with_neighbours(
        self,
        household: np.ndarray,
        generation: np.ndarray,
        strong_threshold: float,
        capacity: int,
        nodes: np.ndarray,
    ) -> tuple[np.ndarray, int, int, Neighbours]:
        """``census`` plus the neighbour lists of the sorted, unique ``nodes`` (the
        clustering sample, see ``average_clustering``), counted from the adjacency lists,
        which stay for the next week's context (and tie lookups) until the ties change."""
        self.adjacency(capacity)  # kept for next week's context
        args = self._census_args(household, generation, strong_threshold, nodes, capacity)
        return _census_result(kernels.csr_census(*args))

    def _census_args(self, household, generation, strong_threshold, nodes, capacity) -> tuple:
        """``tie_kernels.csr_census``'s arguments over the current lists, with a zeroed
        buffer for the counts."""
        buf = self.__dict__["_adj"]
        return (
            buf["indptr"][:-1], buf["fill"], buf["nbr"], buf["nw"], household, generation,
            np.float32(strong_threshold), np.asarray(nodes, np.int64),
            np.zeros((capacity, 4), np.int32),
        )  # fmt: skip

    def incident(self, nodes: np.ndarray, capacity: int) -> tuple[np.ndarray, np.ndarray]:
        """(node, neighbour) pairs for every tie of the given nodes, grouped by node."""
        chosen = np.zeros(capacity, dtype=bool)
        chosen[nodes] = True
        return kernels.incident_lists(self.a, self.b, chosen, capacity)

    def adjacency(self, capacity: int, values: np.ndarray | None = None) -> Adjacency:
        """Each resident's ties as contiguous lists (CSR), built in one linear pass.

        The arrays are reused: a later call overwrites the Adjacency this one returns.
        While the edges have not changed (but for residents leaving), a call returns the
        lists already built.

        With ``values`` (shape (capacity, k), k <= 3), ``sums[:, 0]`` is each slot's total
        tie weight and ``sums[:, 1 + j]`` the tie-weighted sum of column ``j`` over its ties
        (without, ``sums`` is empty: ``Adjacency.peer_shares`` sums for the residents
        asked about only).
        """
        self._wait_for_lists()
        k = 0 if values is None else values.shape[1]
        if k > 3:
            raise ValueError("at most three value columns")
        if self._lists_current and self.__dict__["_adj"]["capacity"] == capacity:
            buf = self.__dict__["_adj"]
        else:
            buf = self._adjacency_buffers(capacity)
            kernels.build_adjacency(
                self.key, self.weight, capacity, buf["indptr"], buf["nbr"], buf["nw"],
                buf["fill"],
            )  # fmt: skip
            self._lists_current = True
        n = buf["indptr"][-1]  # the rows' extent when built
        start, end, nbr, nw = buf["indptr"][:-1], buf["fill"], buf["nbr"][:n], buf["nw"][:n]
        if values is None:
            return Adjacency(start, end, nbr, nw, np.zeros((capacity, 0)))
        padded = np.zeros((capacity, 3))
        padded[:, :k] = values
        kernels.weighted_sums(start, end, nbr, nw, padded, buf["sums"])
        return Adjacency(start, end, nbr, nw, buf["sums"][:, : k + 1])

    def _adjacency_buffers(self, capacity: int) -> dict[str, np.ndarray]:
        """Buffers reused by every ``adjacency()`` call (each call overwrites the last)."""
        self._wait_for_lists()
        buf = self.__dict__.setdefault("_adj", {})
        if buf.get("capacity") != capacity:
            buf.update(
                capacity=capacity,
                indptr=np.zeros(capacity + 1, np.int64),
                sums=np.zeros((capacity, 4)),
                fill=np.zeros(capacity, np.int64),
            )
        if "nbr" not in buf or len(buf["nbr"]) < 2 * self.n:
            size = max(2 * self.n, int(1.25 * len(buf.get("nbr", ()))), 64)
            buf.update(nbr=np.empty(size, np.int32), nw=np.empty(size, np.float32))
        return buf

    def _find(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Position of each (lo, hi) pair with lo < hi in the edge arrays, and whether
        the pair is tied at all (the position is meaningless where it is not)."""
        keys = (lo.astype(np.int64) << _PAIR_BITS) | hi.astype(np.int64)
        if len(self.key) == 0:
            return np.zeros(len(keys), np.int64), np.zeros(len(keys), dtype=bool)
        pos = np.minimum(np.searchsorted(self.key, keys), len(self.key) - 1)
        return pos, self.key[pos] == keys

    def has_edges(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Whether each (lo, hi) pair with lo < hi is tied."""
        self._wait_for_lists()
        if self._lists_current:  # a search in lo's short, sorted list
            buf = self.__dict__["_adj"]
            lo, hi = np.asarray(lo, np.int64), np.asarray(hi, np.int64)
            return kernels.csr_has_edges(buf["indptr"], buf["fill"], buf["nbr"], lo, hi)
        return self._find(lo, hi)[1]

    def pair_weights(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Weight of the tie between each u[i] and v[i] (either order; 0 if untied)."""
        pos, tied = self._find(np.minimum(u, v), np.maximum(u, v))
        return np.where(tied, self.weight[pos] if len(self.key) else 0.0, 0.0)

    def average_clustering(
        self,
        nodes: np.ndarray,
        capacity: int,
        wedges_per_node: int,
        rng: np.random.Generator,
        neighbours: Neighbours | None = None,
    ) -> float:
        """Average local clustering over ``nodes``, estimated by sampling wedges.

        For each node, pick two distinct ties at random and check whether those two
        neighbours are tied: the chance is exactly the node's local clustering, so the
        mean over samples estimates the average (nodes with fewer than two ties count
        as 0, as in networkx; Schank & Wagner 2005). Repeated nodes count once.
        ``neighbours``: the nodes' lists if ``census_with_neighbours`` gathered them
        already (``nodes`` then sorted and unique).
        """
        if neighbours is None:
            nodes = np.unique(nodes)
            if len(nodes):
                lists = outcome_kernels.neighbour_lists(self.a, self.b, nodes, capacity)
                neighbours = Neighbours(*lists)
        if len(nodes) == 0:
            return float("nan")
        start, deg, other = neighbours.start, neighbours.deg, neighbours.other
        if len(other) == 0:
            return 0.0
        self._wait_for_lists()
        if self._lists_current:  # the wedges drawn, picked and looked up in one pass
            buf = self.__dict__["_adj"]
            rows = buf["indptr"], buf["fill"], buf["nbr"]
            h = kernel_rng.handle(rng)
            estimate = outcome_kernels.sampled_clustering(
                h, start, deg, other, wedges_per_node, len(nodes), *rows
            )
            return float(estimate)
        ok = deg >= 2
        start, deg = start[ok], deg[ok]
        n = len(deg) * wedges_per_node
        first_pick, second_pick = rng.random(n), rng.random(n)
        first, deg = np.repeat(start, wedges_per_node), np.repeat(deg, wedges_per_node)
        i = (first_pick * deg).astype(np.int64)
        j = (second_pick * (deg - 1)).astype(np.int64)
        j = j + (j >= i)
        x, y = other[first + i], other[first + j]
        closed = self.has_edges(np.minimum(x, y), np.maximum(x, y))
        return float(closed.sum() / (len(nodes) * wedges_per_node))

    def to_networkx(
        self, labels: np.ndarray | None = None, strong_threshold: float = 0.5
    ) -> nx.Graph:
        """Export as a networkx Graph; node ids are ``labels[slot]`` if given."""
        g = nx.Graph()
        a = self.a if labels is None else labels[self.a]
        b = self.b if labels is None else labels[self.b]
        g.add_edges_from(
            (int(x), int(y), {"weight": float(w), "strong": bool(w >= strong_threshold),
                              "context": Context(int(c)).name.lower(), "formed": int(f)})
            for x, y, w, c, f in zip(a, b, self.weight, self.context, self.formed, strict=True)
        )  # fmt: skip
        return g
