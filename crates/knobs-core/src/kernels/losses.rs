//! Losses as (value, gradient) kernel pairs. Values are returned as sums in f64 so the
//! caller picks the reduction (sum or mean) without a second pass.

/// Σ (p − t)²
pub fn mse(pred: &[f32], target: &[f32]) -> f64 {
    pred.iter().zip(target).map(|(p, t)| { let d = (*p - *t) as f64; d * d }).sum()
}
/// grad = scale · (p − t); the caller folds the factor 2 and the reduction into `scale`.
pub fn mse_backward(pred: &[f32], target: &[f32], grad: &mut [f32], scale: f32) {
    for ((g, p), t) in grad.iter_mut().zip(pred).zip(target) {
        *g = scale * (p - t);
    }
}
/// Softmax + cross-entropy fused: returns Σ_rows −Σ_j t_ij · log softmax(x)_ij and writes the
/// softmax into `probs` for the backward pass. Computing log-softmax directly (x − logsumexp)
/// never takes log(0), so confident wrong predictions give a large finite loss, not Inf.
pub fn softmax_cross_entropy(logits: &[f32], target: &[f32], probs: &mut [f32], rows: usize, cols: usize) -> f64 {
    let mut total = 0.0f64;
    for i in 0..rows {
        let r = i * cols..(i + 1) * cols;
        let xr = &logits[r.clone()];
        let m = xr.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let mut s = 0.0f32;
        for (p, v) in probs[r.clone()].iter_mut().zip(xr) {
            *p = (v - m).exp();
            s += *p;
        }
        let lse = m + s.ln();
        let inv = 1.0 / s;
        for p in probs[r.clone()].iter_mut() {
            *p *= inv;
        }
        for (v, t) in xr.iter().zip(&target[r]) {
            if *t != 0.0 {
                total -= (*t as f64) * ((v - lse) as f64);
            }
        }
    }
    total
}
/// grad = scale · (softmax − t) — valid when each target row sums to 1.
pub fn softmax_cross_entropy_backward(probs: &[f32], target: &[f32], grad: &mut [f32], scale: f32) {
    for ((g, p), t) in grad.iter_mut().zip(probs).zip(target) {
        *g = scale * (p - t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    #[test]
    fn mse_value_and_gradient() {
        let p = [1.0, 2.0, 3.0];
        let t = [1.5, 2.0, 1.0];
        assert!((mse(&p, &t) - (0.25 + 0.0 + 4.0)).abs() < 1e-12);
        let mut g = [0.0; 3];
        mse_backward(&p, &t, &mut g, 2.0);
        assert_eq!(g, [-1.0, 0.0, 4.0]);
    }

    #[test]
    fn cross_entropy_matches_naive_and_finite_differences() {
        let mut rng = Lcg(21);
        let (rows, cols) = (3, 5);
        let x: Vec<f32> = rand_vec(&mut rng, rows * cols).iter().map(|v| v * 3.0).collect();
        let mut t = vec![0.0f32; rows * cols];
        t[1] = 1.0;
        t[cols + 4] = 1.0;
        t[2 * cols] = 0.25;
        t[2 * cols + 3] = 0.75;
        let mut probs = vec![0.0; rows * cols];
        let loss = softmax_cross_entropy(&x, &t, &mut probs, rows, cols);
        let mut naive = 0.0f64;
        for i in 0..rows {
            let z: f64 = (0..cols).map(|j| (x[i * cols + j] as f64).exp()).sum();
            for j in 0..cols {
                naive -= t[i * cols + j] as f64 * ((x[i * cols + j] as f64).exp() / z).ln();
            }
        }
        assert!((loss - naive).abs() < 1e-4, "{loss} vs {naive}");
        let mut g = vec![0.0; rows * cols];
        softmax_cross_entropy_backward(&probs, &t, &mut g, 1.0);
        let h = 1e-2f32;
        let mut num = vec![0.0; rows * cols];
        for k in 0..rows * cols {
            let mut xp = x.clone();
            xp[k] += h;
            let mut xm = x.clone();
            xm[k] -= h;
            let mut scratch = vec![0.0; rows * cols];
            num[k] = ((softmax_cross_entropy(&xp, &t, &mut scratch, rows, cols) - softmax_cross_entropy(&xm, &t, &mut scratch, rows, cols)) / (2.0 * h as f64)) as f32;
        }
        assert_close(&g, &num, 1e-2, "softmax_cross_entropy grad");
        // Extreme logits stay finite.
        let mut p2 = [0.0; 2];
        let l = softmax_cross_entropy(&[1000.0, -1000.0], &[0.0, 1.0], &mut p2, 1, 2);
        assert!((l - 2000.0).abs() < 1e-3);
    }
}
