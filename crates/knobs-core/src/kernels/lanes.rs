//! The 4-lane f32 type and the handful of operations the SIMD kernels (the GEMM, direct and
//! Winograd convolution, vmath's exp/sigmoid/tanh) need, in one place so that everything else (packing,
//! blocking, edge tiles, polynomial evaluation) is the same code on the host and in wasm.
//!
//! - wasm32: SIMD128 intrinsics; with `+relaxed-simd`, `madd` is `f32x4.relaxed_madd`, which V8
//!   turns into a fused multiply-add (one instruction and one rounding instead of two).
//! - elsewhere: plain arrays, so `cargo test` on the host runs the same kernel logic. Every
//!   operation but a relaxed `madd` is exactly rounded IEEE arithmetic or a bit operation, so
//!   the host computes the bits the wasm build does.
//!
//! Loads and stores go through `&[f32; 4]` instead of raw pointers: the crate keeps all `unsafe`
//! in exports.rs, and LLVM turns these array copies into single `v128.load`/`v128.store`.

#[cfg(target_arch = "wasm32")]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct V(v128);

    #[inline(always)]
    pub fn zero() -> V {
        V(f32x4_splat(0.0))
    }
    #[inline(always)]
    pub fn splat(x: f32) -> V {
        V(f32x4_splat(x))
    }
    #[inline(always)]
    pub fn load(s: &[f32; 4]) -> V {
        V(f32x4(s[0], s[1], s[2], s[3]))
    }
    #[inline(always)]
    pub fn store(v: V, d: &mut [f32; 4]) {
        *d = [
            f32x4_extract_lane::<0>(v.0),
            f32x4_extract_lane::<1>(v.0),
            f32x4_extract_lane::<2>(v.0),
            f32x4_extract_lane::<3>(v.0),
        ];
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        V(f32x4_add(a.0, b.0))
    }
    /// a·b + c
    #[cfg(target_feature = "relaxed-simd")]
    #[inline(always)]
    pub fn madd(a: V, b: V, c: V) -> V {
        V(f32x4_relaxed_madd(a.0, b.0, c.0))
    }
    /// a·b + c
    #[cfg(not(target_feature = "relaxed-simd"))]
    #[inline(always)]
    pub fn madd(a: V, b: V, c: V) -> V {
        V(f32x4_add(f32x4_mul(a.0, b.0), c.0))
    }
    /// Rows in, columns out.
    #[inline(always)]
    pub fn transpose(r0: V, r1: V, r2: V, r3: V) -> [V; 4] {
        let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0.0, r1.0);
        let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0.0, r1.0);
        let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2.0, r3.0);
        let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2.0, r3.0);
        [
            V(i32x4_shuffle::<0, 1, 4, 5>(t0, t2)),
            V(i32x4_shuffle::<2, 3, 6, 7>(t0, t2)),
            V(i32x4_shuffle::<0, 1, 4, 5>(t1, t3)),
            V(i32x4_shuffle::<2, 3, 6, 7>(t1, t3)),
        ]
    }
    #[inline(always)]
    pub fn sub(a: V, b: V) -> V {
        V(f32x4_sub(a.0, b.0))
    }
    /// [a0, b0, a1, b1]: the first halves of a and b, interleaved.
    #[inline(always)]
    pub fn interleave_lo(a: V, b: V) -> V {
        V(i32x4_shuffle::<0, 4, 1, 5>(a.0, b.0))
    }
    /// [a2, b2, a3, b3]
    #[inline(always)]
    pub fn interleave_hi(a: V, b: V) -> V {
        V(i32x4_shuffle::<2, 6, 3, 7>(a.0, b.0))
    }
    #[inline(always)]
    pub fn mul(a: V, b: V) -> V {
        V(f32x4_mul(a.0, b.0))
    }
    #[inline(always)]
    pub fn div(a: V, b: V) -> V {
        V(f32x4_div(a.0, b.0))
    }
    /// a < lo ? lo : a (a NaN stays NaN).
    #[inline(always)]
    pub fn at_least(a: V, lo: V) -> V {
        V(f32x4_pmax(a.0, lo.0))
    }
    /// hi < a ? hi : a (a NaN stays NaN).
    #[inline(always)]
    pub fn at_most(a: V, hi: V) -> V {
        V(f32x4_pmin(a.0, hi.0))
    }
    #[inline(always)]
    pub fn abs(a: V) -> V {
        V(f32x4_abs(a.0))
    }
    /// The sign bit of `s` on the magnitude of `a` (a ≥ 0).
    #[inline(always)]
    pub fn with_sign_of(a: V, s: V) -> V {
        V(v128_or(a.0, v128_and(s.0, u32x4_splat(0x8000_0000))))
    }
    /// Lanes where a < b take `t`, the others `f`.
    #[inline(always)]
    pub fn select_lt(a: V, b: V, t: V, f: V) -> V {
        V(v128_bitselect(t.0, f.0, f32x4_lt(a.0, b.0)))
    }
    /// [a0, a2, b0, b2] and [a1, a3, b1, b3]: the even and odd elements of 8 consecutive floats.
    #[inline(always)]
    pub fn evens_odds(a: V, b: V) -> (V, V) {
        (V(i32x4_shuffle::<0, 2, 4, 6>(a.0, b.0)), V(i32x4_shuffle::<1, 3, 5, 7>(a.0, b.0)))
    }
    /// Lanes where v > best, or v is NaN and best is not, take v (max pooling's "first maximum,
    /// first NaN" pick, which f32x4_max/pmax do not make).
    #[inline(always)]
    pub fn pick_max(best: V, v: V) -> V {
        let nan_v = f32x4_ne(v.0, v.0);
        let take = v128_or(f32x4_gt(v.0, best.0), v128_andnot(nan_v, f32x4_ne(best.0, best.0)));
        V(v128_bitselect(v.0, best.0, take))
    }
    /// 2^n from t = n + 1.5·2²³ (n an integer in [−126, 127]): t's low mantissa bits hold n,
    /// so integer arithmetic on its bits gives 2^n's exponent field without a float→int
    /// conversion (which x86 has no single saturating instruction for).
    #[inline(always)]
    pub fn pow2_of_shifted(t: V) -> V {
        V(i32x4_shl(i32x4_sub(t.0, i32x4_splat(0x4B40_0000 - 127)), 23))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct V([f32; 4]);

    #[inline(always)]
    fn map(a: V, f: impl Fn(f32) -> f32) -> V {
        V(core::array::from_fn(|i| f(a.0[i])))
    }
    #[inline(always)]
    fn zip(a: V, b: V, f: impl Fn(f32, f32) -> f32) -> V {
        V(core::array::from_fn(|i| f(a.0[i], b.0[i])))
    }

    #[inline(always)]
    pub fn zero() -> V {
        V([0.0; 4])
    }
    #[inline(always)]
    pub fn splat(x: f32) -> V {
        V([x; 4])
    }
    #[inline(always)]
    pub fn load(s: &[f32; 4]) -> V {
        V(*s)
    }
    #[inline(always)]
    pub fn store(v: V, d: &mut [f32; 4]) {
        *d = v.0;
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        V(core::array::from_fn(|i| a.0[i] + b.0[i]))
    }
    /// a·b + c, rounded twice like the SIMD128 build.
    #[inline(always)]
    pub fn madd(a: V, b: V, c: V) -> V {
        V(core::array::from_fn(|i| a.0[i] * b.0[i] + c.0[i]))
    }
    /// Rows in, columns out.
    #[inline(always)]
    pub fn transpose(r0: V, r1: V, r2: V, r3: V) -> [V; 4] {
        let r = [r0.0, r1.0, r2.0, r3.0];
        core::array::from_fn(|j| V(core::array::from_fn(|i| r[i][j])))
    }
    #[inline(always)]
    pub fn sub(a: V, b: V) -> V {
        zip(a, b, |x, y| x - y)
    }
    #[inline(always)]
    pub fn interleave_lo(a: V, b: V) -> V {
        V([a.0[0], b.0[0], a.0[1], b.0[1]])
    }
    #[inline(always)]
    pub fn interleave_hi(a: V, b: V) -> V {
        V([a.0[2], b.0[2], a.0[3], b.0[3]])
    }
    #[inline(always)]
    pub fn mul(a: V, b: V) -> V {
        zip(a, b, |x, y| x * y)
    }
    #[inline(always)]
    pub fn div(a: V, b: V) -> V {
        zip(a, b, |x, y| x / y)
    }
    #[inline(always)]
    pub fn at_least(a: V, lo: V) -> V {
        zip(a, lo, |x, l| if x < l { l } else { x })
    }
    #[inline(always)]
    pub fn at_most(a: V, hi: V) -> V {
        zip(a, hi, |x, h| if h < x { h } else { x })
    }
    #[inline(always)]
    pub fn abs(a: V) -> V {
        map(a, f32::abs)
    }
    #[inline(always)]
    pub fn with_sign_of(a: V, s: V) -> V {
        zip(a, s, |x, y| f32::from_bits(x.to_bits() | (y.to_bits() & 0x8000_0000)))
    }
    #[inline(always)]
    pub fn select_lt(a: V, b: V, t: V, f: V) -> V {
        V(core::array::from_fn(|i| if a.0[i] < b.0[i] { t.0[i] } else { f.0[i] }))
    }
    #[inline(always)]
    pub fn evens_odds(a: V, b: V) -> (V, V) {
        (V([a.0[0], a.0[2], b.0[0], b.0[2]]), V([a.0[1], a.0[3], b.0[1], b.0[3]]))
    }
    #[inline(always)]
    pub fn pick_max(best: V, v: V) -> V {
        zip(best, v, |b, v| if v > b || (v.is_nan() && !b.is_nan()) { v } else { b })
    }
    #[inline(always)]
    pub fn pow2_of_shifted(t: V) -> V {
        map(t, |x| f32::from_bits(x.to_bits().wrapping_sub(0x4B40_0000 - 127) << 23))
    }
}

pub use imp::*;

/// Four lanes from `s[j..]`, zeros past its end (the tail of a row whose length is not a multiple of 4).
#[inline(always)]
pub fn load_at(s: &[f32], j: usize) -> V {
    if let Some(q) = s.get(j..j + 4) {
        load(q.try_into().unwrap())
    } else {
        let mut q = [0.0f32; 4];
        let w = s.len().saturating_sub(j);
        q[..w].copy_from_slice(&s[j..]);
        load(&q)
    }
}

/// Stores the lanes of `v` that fall inside `d[j..]`.
#[inline(always)]
pub fn store_at(v: V, d: &mut [f32], j: usize) {
    if let Some(q) = d.get_mut(j..j + 4) {
        store(v, q.try_into().unwrap());
    } else {
        let mut q = [0.0f32; 4];
        store(v, &mut q);
        let w = d.len().saturating_sub(j);
        d[j..].copy_from_slice(&q[..w]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_loads_and_stores_touch_only_the_slice() {
        let s = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut got = [0.0f32; 4];
        store(load_at(&s, 4), &mut got);
        assert_eq!(got, [5.0, 6.0, 0.0, 0.0]);
        let mut d = [9.0f32; 6];
        store_at(splat(1.0), &mut d, 4);
        assert_eq!(d, [9.0, 9.0, 9.0, 9.0, 1.0, 1.0]);
        store_at(splat(2.0), &mut d, 0);
        assert_eq!(d, [2.0, 2.0, 2.0, 2.0, 1.0, 1.0]);
    }
}
