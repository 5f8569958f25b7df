"""The model's generator inside compiled kernels, for the price of an array argument.

Numba draws from a NumPy ``Generator`` exactly as NumPy does (the same ``random``,
``integers``, ``poisson``, ``beta``, ... for the same state), but handing one to a kernel
costs ~10 us a call warm and ~70 us with cold caches, as in the model's week: it reads
the bit generator's ctypes interface and casts three function pointers every call.
That interface never changes for a generator's lifetime (NumPy keeps its state inline),
so ``handle`` reads it once into a small read-only array, and ``generator`` rebuilds
numba's generator from that array inside the kernel (~0.5 us warm, ~10 us cold):

    @njit(cache=True, nogil=True)
    def kernel(h, ...):
        rng = generator(h)
        ... rng.random(), rng.poisson(lam), ...

    kernel(handle(model.rng), ...)

The draws advance the Python generator itself, so NumPy calls before and after a
kernel see one stream. One thread at a time: the main thread for ``model.rng``; the
helper for ``model.metrics_rng`` while the clustering is estimated there.
``choice_cdf`` and ``choose`` draw as ``rng.choice`` by weight does.
"""

from __future__ import annotations

import ctypes

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from model.gathered_sums import pairwise_sum

_KEPT = 16  # handles kept, the newest generators' (a sweep makes a model after another)
_HANDLES: dict[int, tuple[np.random.Generator, np.ndarray]] = {}

# the order of the words in a handle
_STATE_ADDRESS, _STATE, _NEXT_UINT64, _NEXT_UINT32, _NEXT_DOUBLE = range(5)


def handle(rng: np.random.Generator) -> np.ndarray:
    """``rng``'s state and draw functions' addresses, as ``generator`` takes them.

    Kept with a reference to ``rng`` itself, so its ``id`` cannot be reused while the
    handle is."""
    kept = _HANDLES.get(id(rng))
    if kept is not None and kept[0] is rng:
        return kept[1]
    bits = rng.bit_generator.ctypes
    address = [
        ctypes.cast(bits.next_uint64, ctypes.c_void_p).value,
        ctypes.cast(bits.next_uint32, ctypes.c_void_p).value,
        ctypes.cast(bits.next_double, ctypes.c_void_p).value,
    ]
    words = np.array([bits.state_address, bits.state.value, *address], dtype=np.uint64)
    words.setflags(write=False)
    if len(_HANDLES) >= _KEPT:  # (models stepped on other threads may drop one too)
        _HANDLES.pop(next(iter(_HANDLES), None), None)
    _HANDLES[id(rng)] = (rng, words)
    return words


_GENERATOR = types.NumPyRandomGeneratorType("generator")
_BIT_GENERATOR = types.NumPyRandomBitGeneratorType("bit_generator")


@intrinsic
def generator(typingctx, words):
    """Numba's ``Generator`` over the state ``words`` (a ``handle``) points to: the
    struct numba's unboxing would build, without the Python object (nothing boxes it
    back) or its reference."""
    if not (isinstance(words, types.Array) and words.dtype == types.uint64):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data

        def word(i):
            return builder.load(builder.gep(data, [context.get_constant(types.intp, i)]))

        bits = cgutils.create_struct_proxy(_BIT_GENERATOR)(context, builder)
        bits.parent = context.get_constant_null(types.pyobject)
        bits.state_address = word(_STATE_ADDRESS)
        bits.state = word(_STATE)
        bits.fnptr_next_uint64 = word(_NEXT_UINT64)
        bits.fnptr_next_uint32 = word(_NEXT_UINT32)
        bits.fnptr_next_double = word(_NEXT_DOUBLE)
        bits.bit_generator = context.get_constant(types.uintp, 0)
        gen = cgutils.create_struct_proxy(_GENERATOR)(context, builder)
        gen.bit_generator = bits._getvalue()
        gen.meminfo = context.get_constant_null(types.MemInfoPointer(types.voidptr))
        gen.parent = context.get_constant_null(types.pyobject)
        return gen._getvalue()

    return _GENERATOR(words), codegen


@njit(cache=True, nogil=True)
def choice_cdf(weight):  # pragma: no cover - compiled
    """The cumulative shares ``rng.choice(len(weight), p=weight / weight.sum())`` searches:
    NumPy's pairwise sum, the shares' running sum, the last rescaled to exactly 1."""
    m = weight.shape[0]
    cdf = (weight / (0.0 + pairwise_sum(weight, np.arange(m), 0, m))).cumsum()
    cdf /= cdf[-1]
    return cdf


@njit(cache=True, nogil=True)
def choose(rng, cdf):  # pragma: no cover - compiled
    """One ``rng.choice`` draw over ``choice_cdf``'s shares: a uniform and the search."""
    return np.searchsorted(cdf, rng.random(), side="right")
