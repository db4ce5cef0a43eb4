//! Pointwise functions whose derivative needs a branch or the output: abs, sqrt, clamp.

pub fn abs(x: &[f32], out: &mut [f32]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o = v.abs();
    }
}
/// gx = g · sign(x), with sign(0) = 0 (PyTorch's subgradient choice).
pub fn abs_backward(x: &[f32], g: &[f32], out: &mut [f32]) {
    for ((o, &v), &gi) in out.iter_mut().zip(x).zip(g) {
        *o = if v > 0.0 { gi } else if v < 0.0 { -gi } else { 0.0 };
    }
}
pub fn sqrt(x: &[f32], out: &mut [f32]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o = v.sqrt();
    }
}
/// gx = g / (2y), y = sqrt(x): from the output, so no second square root.
pub fn sqrt_backward(y: &[f32], g: &[f32], out: &mut [f32]) {
    for ((o, &yi), &gi) in out.iter_mut().zip(y).zip(g) {
        *o = gi / (2.0 * yi);
    }
}
/// out = x limited to [lo, hi] (±∞ for an open side). Comparisons, not f32::max/min, so a NaN
/// input stays NaN instead of becoming a bound.
pub fn clamp(x: &[f32], lo: f32, hi: f32, out: &mut [f32]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = if v < lo { lo } else if v > hi { hi } else { v };
    }
}
/// gx = g where lo ≤ x ≤ hi, else 0 (a bound itself passes the gradient, as in PyTorch).
pub fn clamp_backward(x: &[f32], g: &[f32], lo: f32, hi: f32, out: &mut [f32]) {
    for ((o, &v), &gi) in out.iter_mut().zip(x).zip(g) {
        *o = if v >= lo && v <= hi { gi } else { 0.0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    #[test]
    fn unary_match_naive() {
        let mut rng = Lcg(9);
        let mut x = rand_vec(&mut rng, 37);
        x[3] = 0.0;
        x[5] = 0.5;
        let g = rand_vec(&mut rng, 37);
        let mut out = vec![0.0; 37];
        let naive = |f: &dyn Fn(f32, f32) -> f32| x.iter().zip(&g).map(|(&v, &gi)| f(v, gi)).collect::<Vec<f32>>();
        abs(&x, &mut out);
        assert_close(&out, &naive(&|v, _| v.abs()), 0.0, "abs");
        abs_backward(&x, &g, &mut out);
        assert_close(&out, &naive(&|v, gi| if v == 0.0 { 0.0 } else { gi * v.signum() }), 0.0, "abs_backward");
        let pos: Vec<f32> = x.iter().map(|v| v.abs() + 0.1).collect();
        sqrt(&pos, &mut out);
        assert_close(&out, &pos.iter().map(|v| (*v as f64).sqrt() as f32).collect::<Vec<_>>(), 1e-6, "sqrt");
        let y = out.clone();
        sqrt_backward(&y, &g, &mut out);
        assert_close(&out, &pos.iter().zip(&g).map(|(v, gi)| (*gi as f64 * 0.5 / (*v as f64).sqrt()) as f32).collect::<Vec<_>>(), 1e-5, "sqrt_backward");
        clamp(&x, -0.25, 0.5, &mut out);
        assert_close(&out, &naive(&|v, _| v.max(-0.25).min(0.5)), 0.0, "clamp");
        clamp_backward(&x, &g, -0.25, 0.5, &mut out);
        assert_close(&out, &naive(&|v, gi| if (-0.25..=0.5).contains(&v) { gi } else { 0.0 }), 0.0, "clamp_backward");
        assert_eq!(out[5], g[5], "the bound itself passes the gradient");
        let mut o = [0.0];
        clamp(&[f32::NAN], 0.0, 1.0, &mut o);
        assert!(o[0].is_nan());
        clamp(&[-5.0], f32::NEG_INFINITY, 1.0, &mut o);
        assert_eq!(o[0], -5.0);
    }
}
