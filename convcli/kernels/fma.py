"""``fma(a, b, c)``: the fused multiply-add ``a*b + c`` with a single rounding, for Numba kernels.

One exactly specified IEEE 754 operation (LLVM's ``llvm.fma``), so unlike ``fastmath`` contraction
the result does not depend on vectorisation or threads; vectorised loops compile it to ``vfmadd``.
Arguments of mixed float types are computed in the widest of them; other types (complex) fall back
to ``a*b + c``.
"""

from numba import types
from numba.core.errors import TypingError
from numba.extending import intrinsic, register_jitable


@register_jitable
def _plain(a, b, c):
    return a * b + c


@intrinsic
def fma(typingctx, a, b, c):
    """``a*b + c`` rounded once."""
    args = (a, b, c)
    if not all(isinstance(t, (types.Float, types.Integer, types.Complex)) for t in args):
        raise TypingError("fma() takes numbers")
    res = typingctx.unify_types(*args)
    if isinstance(res, types.Integer):
        res = types.float64
    sig = res(a, b, c)
    if isinstance(res, types.Complex):
        def codegen_plain(context, builder, signature, llargs):
            vals = [context.cast(builder, v, t, res) for v, t in zip(llargs, signature.args, strict=True)]
            return context.compile_internal(builder, lambda x, y, z: x * y + z, res(res, res, res), vals)
        return sig, codegen_plain

    def codegen(context, builder, signature, llargs):
        vals = [context.cast(builder, v, t, res) for v, t in zip(llargs, signature.args, strict=True)]
        return builder.fma(*vals)

    return sig, codegen
