//! exp, sigmoid and tanh on four lanes at once: the fused recurrent cells (rnn.rs), the sigmoid
//! op (activations.rs) and the dense and conv sigmoid epilogues.
//!
//! An LSTM step evaluates five transcendental functions per hidden unit; through libm's scalar
//! `expf`/`tanhf` (calls LLVM cannot vectorise) they took as long as the step's h·W_hhᵀ product.
//! These are Cephes' single-precision expf and tanhf (relative error within a few ulp over the
//! whole range; tested against f64 below) written with plain lane operations, so one call does
//! four lanes and the host build runs the same arithmetic lane by lane: every lane operation used
//! (kernels/lanes.rs) is exactly rounded IEEE arithmetic or a bit operation (no fused
//! multiply-add), so the host tests check the bits the wasm build computes.
//!
//! NaN propagates (a NaN pre-activation must reach the loss to be reported); ±∞ saturate.

use super::lanes::{abs, add, at_least, at_most, div, mul, pow2_of_shifted, select_lt, splat, sub, with_sign_of, V};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::lanes::store;

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
}
