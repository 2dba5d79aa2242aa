"""Pointer arguments for calls between kernels (kernel-only module).

Numba passes a 1-D array to a compiled function as seven values (owner, parent, size, item size, data
pointer, shape, stride), and the quiet scan calls its SIMD chunk kernel ~2,000 times per pass with
six arrays: ~60 values pushed and read back per call, as much work as the chunk's own arithmetic. A
caller passes `address_nb(arr, i)` instead and the callee rebuilds the array with `view_nb`: one value
per array. The callee must not keep the view beyond the call (it owns nothing).
"""

from numba import config, types
from numba.core import cgutils
from numba.extending import intrinsic


@intrinsic
def address_nb(typingctx, arr, i):
    """Pointer to arr[i] (0 <= i < len(arr)): a callee rebuilds the array with `view_nb`, taking
    one argument for it instead of an array's seven."""
    if not isinstance(arr, types.Array) or not isinstance(i, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        return cgutils.get_item_pointer(context, builder, aryty, ary, [args[1]], wraparound=False)

    return types.CPointer(arr.dtype)(arr, i), codegen


@intrinsic
def view_nb(typingctx, ptr, n):
    """The n items from `ptr` (an `address_nb`) as a C-contiguous array that owns nothing."""
    if not isinstance(ptr, types.CPointer) or not isinstance(n, types.Integer):
        return None
    arrty = types.Array(ptr.dtype, 1, "C")

    def codegen(context, builder, signature, args):
        from numba.np.arrayobj import populate_array

        ary = context.make_array(arrty)(context, builder)
        itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(ptr.dtype)))
        size = context.cast(builder, args[1], signature.args[1], types.intp)
        populate_array(ary, data=args[0], shape=[size], strides=[itemsize], itemsize=itemsize, meminfo=None)
        return ary._getvalue()

    return arrty(ptr, n), codegen


if config.DISABLE_JIT:  # kernels run as Python (debugging): views stand for pointers
    def address_nb(arr, i):  # noqa: F811
        return arr[i:]

    def view_nb(ptr, n):  # noqa: F811
        return ptr[:n]
