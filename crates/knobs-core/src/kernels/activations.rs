//! Activations, forward and backward. Backward kernels take what is cheapest to have kept:
//! the input for relu, the output for sigmoid/tanh/softmax (their derivatives are functions of it).
use super::lanes::{load, load_at, select_lt, splat, store, store_at};
use super::vmath as vm;

pub fn relu(x: &[f32], out: &mut [f32]) {
    for (o, v) in out.iter_mut().zip(x) {
        // Not `v.max(0.0)`: max drops NaN, and a NaN must reach the loss to be reported.
        *o = if *v < 0.0 { 0.0 } else { *v };
    }
}
/// gx = g · [x > 0] (also right with relu's output y in place of x: y > 0 ⇔ x > 0).
/// Four lanes at a time with a select: a relu layer's signs are as good as random, and the
/// branch an element-by-element `if` compiles to was mispredicted about every other element
/// (5 ns an element, 10× the select, on a Pong policy's 2048×200 hidden layer).
pub fn relu_backward(x: &[f32], g: &[f32], out: &mut [f32]) {
    let n = out.len().min(x.len()).min(g.len());
    let (out, x, g) = (&mut out[..n], &x[..n], &g[..n]);
    let zero = splat(0.0);
    for ((o, v), gi) in out.chunks_exact_mut(4).zip(x.chunks_exact(4)).zip(g.chunks_exact(4)) {
        let (o, v, gi): (&mut [f32; 4], &[f32; 4], &[f32; 4]) = (o.try_into().unwrap(), v.try_into().unwrap(), gi.try_into().unwrap());
        store(select_lt(zero, load(v), load(gi), zero), o);
    }
    for i in n / 4 * 4..n {
        out[i] = if x[i] > 0.0 { g[i] } else { 0.0 };
    }
}
/// 1 / (1 + e^−x) on four lanes at a time (vmath: ~4× cheaper than libm's scalar `expf`, within a
/// few ulp; inputs below −87 give ~1e−38 rather than their subnormal value). The fused dense and
/// conv epilogues compute the same formula, so fused and unfused layers agree bit for bit.
pub fn sigmoid(x: &[f32], out: &mut [f32]) {
    let n = x.len().min(out.len());
    let (x, out) = (&x[..n], &mut out[..n]);
    for j in (0..n).step_by(4) {
        store_at(vm::sigmoid(load_at(x, j)), out, j);
    }
}
/// gx = g · y · (1 − y), y = sigmoid(x)
pub fn sigmoid_backward(y: &[f32], g: &[f32], out: &mut [f32]) {
    for ((o, yi), gi) in out.iter_mut().zip(y).zip(g) {
        *o = gi * yi * (1.0 - yi);
    }
}
pub fn tanh(x: &[f32], out: &mut [f32]) {
    for (o, v) in out.iter_mut().zip(x) {
        *o = v.tanh();
    }
}
/// gx = g · (1 − y²), y = tanh(x)
pub fn tanh_backward(y: &[f32], g: &[f32], out: &mut [f32]) {
    for ((o, yi), gi) in out.iter_mut().zip(y).zip(g) {
        *o = gi * (1.0 - yi * yi);
    }
}
/// Row-wise softmax. Subtracting the row max first keeps exp ≤ 1: no overflow for any finite input.
pub fn softmax_rows(x: &[f32], out: &mut [f32], rows: usize, cols: usize) {
    for i in 0..rows {
        let xr = &x[i * cols..(i + 1) * cols];
        let or = &mut out[i * cols..(i + 1) * cols];
        let m = xr.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let mut s = 0.0f32;
        for (o, v) in or.iter_mut().zip(xr) {
            *o = (v - m).exp();
            s += *o;
        }
        let inv = 1.0 / s;
        for o in or.iter_mut() {
            *o *= inv;
        }
    }
}
/// gx = y ⊙ (g − ⟨g, y⟩) per row.
pub fn softmax_backward(y: &[f32], g: &[f32], out: &mut [f32], rows: usize, cols: usize) {
    for i in 0..rows {
        let r = i * cols..(i + 1) * cols;
        let (yr, gr) = (&y[r.clone()], &g[r.clone()]);
        let d: f32 = yr.iter().zip(gr).map(|(a, b)| a * b).sum();
        for ((o, yi), gi) in out[r].iter_mut().zip(yr).zip(gr) {
            *o = yi * (gi - d);
        }
    }
}
/// Row-wise log-softmax: x − max − ln Σ exp(x − max).
pub fn log_softmax_rows(x: &[f32], out: &mut [f32], rows: usize, cols: usize) {
    for i in 0..rows {
        let xr = &x[i * cols..(i + 1) * cols];
        let m = xr.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let lse = m + xr.iter().map(|v| (v - m).exp()).sum::<f32>().ln();
        for (o, v) in out[i * cols..(i + 1) * cols].iter_mut().zip(xr) {
            *o = v - lse;
        }
    }
}
/// gx = g − exp(y) · Σ g per row, y = log_softmax(x).
pub fn log_softmax_backward(y: &[f32], g: &[f32], out: &mut [f32], rows: usize, cols: usize) {
    for i in 0..rows {
        let r = i * cols..(i + 1) * cols;
        let s: f32 = g[r.clone()].iter().sum();
        for ((o, yi), gi) in out[r.clone()].iter_mut().zip(&y[r.clone()]).zip(&g[r]) {
            *o = gi - yi.exp() * s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    fn fd_check(f: impl Fn(&[f32], &mut [f32]), back: impl Fn(&[f32], &[f32], &[f32], &mut [f32]), x: &[f32], name: &str) {
        // Finite differences in f64 arithmetic on a linear functional L = Σ w·f(x).
        let n = x.len();
        let mut rng = Lcg(5);
        let w = rand_vec(&mut rng, n);
        let mut y = vec![0.0; n];
        f(x, &mut y);
        let mut gx = vec![0.0; n];
        back(x, &y, &w, &mut gx);
        let h = 1e-2f32;
        let mut num = vec![0.0; n];
        for i in 0..n {
            let mut xp = x.to_vec();
            xp[i] += h;
            let mut xm = x.to_vec();
            xm[i] -= h;
            let (mut yp, mut ym) = (vec![0.0; n], vec![0.0; n]);
            f(&xp, &mut yp);
            f(&xm, &mut ym);
            let lp: f64 = yp.iter().zip(&w).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
            let lm: f64 = ym.iter().zip(&w).map(|(a, b)| (*a as f64) * (*b as f64)).sum();
            num[i] = ((lp - lm) / (2.0 * h as f64)) as f32;
        }
        assert_close(&gx, &num, 2e-2, name);
    }

    #[test]
    fn gradients_match_finite_differences() {
        let mut rng = Lcg(9);
        // Keep relu inputs away from the kink at 0, where the derivative is undefined.
        let x: Vec<f32> = rand_vec(&mut rng, 12).iter().map(|v| if v.abs() < 0.1 { v + 0.3 } else { *v } * 2.0).collect();
        fd_check(relu, |x, _y, g, o| relu_backward(x, g, o), &x, "relu");
        fd_check(sigmoid, |_x, y, g, o| sigmoid_backward(y, g, o), &x, "sigmoid");
        fd_check(tanh, |_x, y, g, o| tanh_backward(y, g, o), &x, "tanh");
        fd_check(|x, o| softmax_rows(x, o, 3, 4), |_x, y, g, o| softmax_backward(y, g, o, 3, 4), &x, "softmax");
        fd_check(|x, o| log_softmax_rows(x, o, 4, 3), |_x, y, g, o| log_softmax_backward(y, g, o, 4, 3), &x, "log_softmax");
    }

    /// The four-lane select gives the element-by-element rule's bits at every length (the tail
    /// past the last full quad too), for NaN, ±0, ±∞ in either operand.
    #[test]
    fn relu_backward_matches_the_scalar_rule() {
        let mut rng = Lcg(3);
        let special = [f32::NAN, 0.0, -0.0, f32::INFINITY, f32::NEG_INFINITY, 1e-38, -1e-38];
        for n in [0usize, 1, 3, 4, 5, 8, 11, 403] {
            let mut x = rand_vec(&mut rng, n);
            let mut g = rand_vec(&mut rng, n);
            for i in 0..n {
                if i % 3 == 0 {
                    x[i] = special[i % special.len()];
                }
                if i % 5 == 1 {
                    g[i] = special[(i / 5) % special.len()];
                }
            }
            let mut out = vec![7.0f32; n + 1];
            relu_backward(&x, &g, &mut out[..n]);
            for i in 0..n {
                let want = if x[i] > 0.0 { g[i] } else { 0.0 };
                assert_eq!(out[i].to_bits(), want.to_bits(), "n={n} i={i} x={} g={}", x[i], g[i]);
            }
            assert_eq!(out[n], 7.0, "wrote past the slice");
        }
    }

    #[test]
    fn softmax_is_stable_and_normalised() {
        let x = [1000.0, 1001.0, -1000.0, 0.0, 0.0, 0.0];
        let mut y = [0.0; 6];
        softmax_rows(&x, &mut y, 2, 3);
        assert!(y.iter().all(|v| v.is_finite()));
        assert!((y[0] + y[1] + y[2] - 1.0).abs() < 1e-6 && (y[3] - 1.0 / 3.0).abs() < 1e-6);
        let mut ls = [0.0; 6];
        log_softmax_rows(&x, &mut ls, 2, 3);
        // f32 spacing near 1001 is 6e-5, so that is the accuracy to expect.
        assert!((ls[1] - (-(1.0f32 + (-1.0f32).exp()).ln())).abs() < 2e-4);
        let mut r = [0.0; 3];
        relu(&[f32::NAN, -1.0, 2.0], &mut r);
        assert!(r[0].is_nan() && r[1] == 0.0 && r[2] == 2.0, "relu propagates NaN");
        let mut s = [0.0; 4];
        sigmoid(&[-100.0, 100.0, 0.0, -1.0], &mut s);
        // No overflow on either side: far left a tiny positive value (vmath clamps e^x at e^88).
        assert!(s[0] > 0.0 && s[0] < 1e-37, "{}", s[0]);
        assert_eq!(&s[1..3], &[1.0, 0.5]);
        assert!((s[3] - 1.0 / (1.0 + 1f32.exp())).abs() < 1e-7);
        let mut five = [0.0; 5];
        let xs = [-3.0, -0.5, 0.25, 2.0, 7.0];
        sigmoid(&xs, &mut five);
        for (v, x) in five.iter().zip(xs) {
            assert_eq!(v.to_bits(), crate::kernels::dense::sigmoid(x).to_bits(), "the op and the fused epilogues agree, the tail lane too");
        }
    }
}
