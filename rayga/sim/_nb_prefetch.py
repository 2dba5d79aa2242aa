"""Cache prefetch hints for the bar loop (kernel-only module).

The bar loop's quiet stretches stream a few timeframe arrays; the bar that ends a stretch (a
decision, a level in reach) then reads other arrays at that bar, each a cache miss costing more than
the arithmetic around it. The stretch's end is known a little before the full loop reaches it, so the
loop asks the CPU to start those loads then. A hint never changes a result: it only moves a load earlier.
"""

from llvmlite import ir
from numba import config, njit, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def prefetch_nb(typingctx, arr, i):
    """Hint the CPU to load the cache line holding arr[i] (0 <= i < len(arr)) for reading."""
    if not isinstance(arr, types.Array) or not isinstance(i, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)
        ptr = builder.bitcast(ptr, ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), [ptr.type, i32, i32, i32]),
                                            "llvm.prefetch.p0")
        builder.call(fn, [ptr, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])  # read, keep, data
        return context.get_dummy_value()

    return types.void(arr, i), codegen


if config.DISABLE_JIT:  # kernels run as Python (debugging): a hint has nothing to do
    def prefetch_nb(arr, i):  # noqa: F811
        return None


@njit(cache=True, _nrt=False, inline="always")
def prefetch_bar_nb(k, tf_open, open_spread, swap_units, drop, m1_start):
    """Prefetch what the full loop reads at timeframe bar k: its first tick, rollover, largest adverse
    move and first M1 bar's index. (Not the M1 bars: a bar whose ticks are walked is rare once lone stop
    exits are booked without them, and their prefetch cost more than the misses it saved.)"""
    prefetch_nb(tf_open, k)
    prefetch_nb(open_spread, k)
    prefetch_nb(swap_units, k)
    prefetch_nb(drop, k)
    prefetch_nb(m1_start, k)


@njit(cache=True, _nrt=False, inline="always")
def prefetch_turn_nb(k, adverse, favour, close_px, drop):
    """Prefetch bars k..k+15 of the other direction's arrays: a decision at bar k may reverse the
    position, whose next bars are then read there."""
    k1 = min(k + 8, len(adverse) - 1)
    prefetch_nb(adverse, k)
    prefetch_nb(adverse, k1)
    prefetch_nb(favour, k)
    prefetch_nb(favour, k1)
    prefetch_nb(close_px, k)
    prefetch_nb(close_px, k1)
    prefetch_nb(drop, k)
