"""float16 on CPU: Numba has no half arithmetic there, so kernels hold float16 data as
its uint16 bits, widen to float32 on load and round to nearest even on store."""
import numpy as np
from llvmlite import ir
from numba import njit
from numba.core import types
from numba.extending import intrinsic


def _to_i32(builder, v, ty):
    if ty.bitwidth > 32:
        return builder.trunc(v, ir.IntType(32))
    if ty.bitwidth < 32:
        return builder.zext(v, ir.IntType(32))
    return v


@intrinsic
def bits_to_f32(typingctx, x):
    """Reinterpret the low 32 bits of an integer as a float32."""
    if not isinstance(x, types.Integer):
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(_to_i32(builder, args[0], sig.args[0]), ir.FloatType())

    return types.float32(x), codegen


@intrinsic
def f32_to_bits(typingctx, x):
    """Reinterpret a float32 as a uint32."""
    if x != types.float32:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return types.uint32(x), codegen


@njit(inline="always")
def h2f(h):
    # Move exponent and mantissa into float32 position, then rescale by 2**112:
    # exact for normals and subnormals; inf and nan keep all-ones exponents.
    u = np.uint32(h)
    sign = (u & np.uint32(0x8000)) << np.uint32(16)
    em = u & np.uint32(0x7FFF)
    if em >= np.uint32(0x7C00):
        f = bits_to_f32((em << np.uint32(13)) | np.uint32(0x7F800000))
    else:
        f = bits_to_f32(em << np.uint32(13)) * np.float32(5.192296858534828e33)
    return bits_to_f32(f32_to_bits(f) | sign)


@njit(inline="always")
def f2h(v):
    # Round a float32 to the nearest float16 (ties to even) and return its bits.
    x = f32_to_bits(np.float32(v))
    sign = (x >> np.uint32(16)) & np.uint32(0x8000)
    x = x & np.uint32(0x7FFFFFFF)
    if x >= np.uint32(0x7F800000):
        r = np.uint32(0x7E00) if x > np.uint32(0x7F800000) else np.uint32(0x7C00)
    elif x >= np.uint32(0x477FF000):
        r = np.uint32(0x7C00)
    elif x < np.uint32(0x38800000):
        # Below the smallest normal half: adding 0.5 rounds to a multiple of 2**-24.
        r = f32_to_bits(bits_to_f32(x) + np.float32(0.5)) - np.uint32(0x3F000000)
    else:
        odd = (x >> np.uint32(13)) & np.uint32(1)
        r = (x + np.uint32(0xC8000FFF) + odd) >> np.uint32(13)
    return np.uint16(r | sign)
