//! exp, sigmoid and tanh on four lanes at once, for the fused recurrent cells (rnn.rs).
//!
//! An LSTM step evaluates five transcendental functions per hidden unit; through libm's scalar
//! `expf`/`tanhf` (calls LLVM cannot vectorise) they took as long as the step's h·W_hhᵀ product.
//! These are Cephes' single-precision expf and tanhf (relative error within a few ulp over the
//! whole range; tested against f64 below) written with plain lane operations, so one call does
//! four lanes and the host build runs the same arithmetic lane by lane: every operation used is
//! exactly rounded IEEE arithmetic (no fused multiply-add), so the host tests check the bits the
//! wasm build computes.
//!
//! NaN propagates (a NaN pre-activation must reach the loss to be reported); ±∞ saturate.

#[cfg(target_arch = "wasm32")]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct V(v128);

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
        *d = [f32x4_extract_lane::<0>(v.0), f32x4_extract_lane::<1>(v.0), f32x4_extract_lane::<2>(v.0), f32x4_extract_lane::<3>(v.0)];
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        V(f32x4_add(a.0, b.0))
    }
    #[inline(always)]
    pub fn sub(a: V, b: V) -> V {
        V(f32x4_sub(a.0, b.0))
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
        zip(a, b, |x, y| x + y)
    }
    #[inline(always)]
    pub fn sub(a: V, b: V) -> V {
        zip(a, b, |x, y| x - y)
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
    pub fn pow2_of_shifted(t: V) -> V {
        map(t, |x| f32::from_bits(x.to_bits().wrapping_sub(0x4B40_0000 - 127) << 23))
    }
}

pub use imp::*;

/// e^x. Inputs are clamped to [−87, 88] first (e^88 is finite in f32; e^−87 is still normal,
/// so 2^n never leaves the exponent range), which is far past where sigmoid and tanh saturate.
#[inline(always)]
pub fn exp(x: V) -> V {
    let x = at_most(at_least(x, splat(-87.0)), splat(88.0));
    // n = round(x·log2 e) by the 1.5·2²³ trick: adding it leaves the integer part in the low
    // mantissa bits, rounded to nearest even; subtracting it back gives n exactly.
    let magic = splat(12_582_912.0);
    let shifted = add(mul(x, splat(core::f32::consts::LOG2_E)), magic);
    let n = sub(shifted, magic);
    // r = x − n·ln 2, with ln 2 split in two so the product of its high part is exact.
    let r = sub(sub(x, mul(n, splat(0.693_359_4))), mul(n, splat(-2.121_944_4e-4)));
    let mut p = splat(1.987_569_1e-4);
    for c in [1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 5.000_000_1e-1] {
        p = add(mul(p, r), splat(c));
    }
    let e = add(add(mul(mul(p, r), r), r), splat(1.0));
    mul(e, pow2_of_shifted(shifted))
}

/// 1 / (1 + e^−x): e^−x only overflows to e^88 (then σ ≈ 6e−39, correctly tiny).
#[inline(always)]
pub fn sigmoid(x: V) -> V {
    let one = splat(1.0);
    div(one, add(one, exp(sub(splat(0.0), x))))
}

/// tanh x: an odd polynomial below |x| = 0.625 (where 1 − 2/(e^2|x| + 1) would cancel), that
/// formula above it, with x's sign.
#[inline(always)]
pub fn tanh(x: V) -> V {
    let a = abs(x);
    let one = splat(1.0);
    let big = sub(one, div(splat(2.0), add(exp(add(a, a)), one)));
    let z = mul(x, x);
    let mut p = splat(-5.704_988_7e-3);
    for c in [2.063_908_9e-2, -5.373_971_6e-2, 1.333_144_2e-1, -3.333_328_2e-1] {
        p = add(mul(p, z), splat(c));
    }
    let small = add(mul(mul(p, z), x), x);
    // NaN fails `a < 0.625` and takes the `big` side, which is NaN.
    select_lt(a, splat(0.625), small, with_sign_of(big, x))
}

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

    fn lanes(f: fn(V) -> V, x: f32) -> f32 {
        let mut out = [0.0f32; 4];
        store(f(splat(x)), &mut out);
        out[0]
    }

    /// Relative error ≤ `ulps` units of f32's last place, over a dense sweep (both signs,
    /// subnormal-sized to saturated inputs), against f64's functions.
    fn sweep(f: fn(V) -> V, want: fn(f64) -> f64, lo: f32, hi: f32, ulps: f32) {
        let n = 200_000;
        let mut worst = 0.0f32;
        for i in 0..=n {
            let x = lo + (hi - lo) * i as f32 / n as f32;
            for x in [x, x * 1e-3, x * 1e-6] {
                let (got, w) = (lanes(f, x) as f64, want(x as f64));
                let err = ((got - w).abs() / w.abs().max(f32::MIN_POSITIVE as f64)) as f32 / f32::EPSILON;
                worst = worst.max(err);
                assert!(err <= ulps, "x = {x}: got {got}, want {w} ({err} ulp)");
            }
        }
        assert!(worst > 0.0, "the sweep compared nothing");
    }

    #[test]
    fn exp_is_within_a_few_ulp() {
        sweep(exp, f64::exp, -87.0, 88.0, 3.0);
    }

    #[test]
    fn sigmoid_is_within_a_few_ulp() {
        sweep(sigmoid, |x| 1.0 / (1.0 + (-x).exp()), -80.0, 40.0, 4.0);
    }

    #[test]
    fn tanh_is_within_a_few_ulp() {
        sweep(tanh, f64::tanh, -20.0, 20.0, 4.0);
    }

    #[test]
    fn edges_saturate_and_nan_propagates() {
        for (f, x, want) in [
            (sigmoid as fn(V) -> V, f32::INFINITY, 1.0),
            (sigmoid, f32::NEG_INFINITY, 0.0),
            (sigmoid, 0.0, 0.5),
            (tanh, f32::INFINITY, 1.0),
            (tanh, f32::NEG_INFINITY, -1.0),
            (tanh, 0.0, 0.0),
            (tanh, -0.0, 0.0),
            (exp, f32::NEG_INFINITY, 0.0),
        ] {
            let got = lanes(f, x);
            assert!((got - want).abs() < 1e-30, "f({x}) = {got}, want {want}");
        }
        assert!(lanes(exp, f32::INFINITY).is_finite(), "exp clamps at 88");
        for f in [exp as fn(V) -> V, sigmoid, tanh] {
            assert!(lanes(f, f32::NAN).is_nan());
        }
    }

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
