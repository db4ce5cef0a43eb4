//! Gradient clipping: the p-norm pieces of clip_grad_norm and an in-place clamp for clip_grad_value.

/// Σ|a|^p for finite p > 0, max|a| for p = ∞, accumulated in f64 so the norm of millions of
/// small gradients does not lose their tail; the caller combines tensors and takes the p-th root.
/// NaN propagates (a NaN gradient must show in the norm, as in PyTorch).
pub fn sum_abs_pow(a: &[f32], p: f64) -> f64 {
    if p == f64::INFINITY {
        let mut m = 0.0f64;
        for x in a {
            let v = x.abs() as f64;
            if v.is_nan() {
                return f64::NAN;
            }
            m = m.max(v);
        }
        return m;
    }
    if p == 2.0 {
        return a.iter().map(|x| (*x as f64) * (*x as f64)).sum();
    }
    if p == 1.0 {
        return a.iter().map(|x| x.abs() as f64).sum();
    }
    a.iter().map(|x| (x.abs() as f64).powf(p)).sum()
}

/// a = min(max(a, lo), hi) in place; NaN stays NaN.
pub fn clamp_inplace(a: &mut [f32], lo: f32, hi: f32) {
    for x in a.iter_mut() {
        if *x < lo {
            *x = lo;
        } else if *x > hi {
            *x = hi;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{rand_vec, Lcg};

    #[test]
    fn sum_abs_pow_matches_naive() {
        let a = rand_vec(&mut Lcg(7), 1001);
        for p in [1.0f64, 2.0, 3.0, 0.5] {
            let naive: f64 = a.iter().map(|x| (x.abs() as f64).powf(p)).sum();
            let got = sum_abs_pow(&a, p);
            assert!((got - naive).abs() <= 1e-12 * naive.max(1.0), "p={p}: {got} vs {naive}");
        }
        let naive = a.iter().fold(0.0f64, |m, x| m.max(x.abs() as f64));
        assert_eq!(sum_abs_pow(&a, f64::INFINITY), naive);
        assert_eq!(sum_abs_pow(&[], 2.0), 0.0);
        assert!(sum_abs_pow(&[1.0, f32::NAN], 2.0).is_nan());
        assert!(sum_abs_pow(&[f32::NAN, 1.0], f64::INFINITY).is_nan());
    }

    #[test]
    fn clamp_inplace_matches_naive() {
        let a = rand_vec(&mut Lcg(3), 257);
        let mut got = a.clone();
        clamp_inplace(&mut got, -0.25, 0.5);
        for (g, x) in got.iter().zip(&a) {
            assert_eq!(*g, x.max(-0.25).min(0.5));
        }
        let mut n = [f32::NAN, 2.0];
        clamp_inplace(&mut n, -1.0, 1.0);
        assert!(n[0].is_nan() && n[1] == 1.0);
    }
}
