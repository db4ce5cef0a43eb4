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
/// One row of the fused softmax + cross-entropy: writes softmax(x) into `probs`, returns
/// −Σ_j t_j · log softmax(x)_j. Computing log-softmax directly (x − logsumexp) never takes log(0),
/// so confident wrong predictions give a large finite loss, not Inf.
fn softmax_cross_entropy_row(xr: &[f32], tr: &[f32], pr: &mut [f32]) -> f64 {
    let m = xr.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mut s = 0.0f32;
    for (p, v) in pr.iter_mut().zip(xr) {
        *p = (v - m).exp();
        s += *p;
    }
    let lse = m + s.ln();
    let inv = 1.0 / s;
    for p in pr.iter_mut() {
        *p *= inv;
    }
    let mut loss = 0.0f64;
    for (v, t) in xr.iter().zip(tr) {
        if *t != 0.0 {
            loss -= (*t as f64) * ((v - lse) as f64);
        }
    }
    loss
}
/// Softmax + cross-entropy fused: returns Σ_rows of the row losses and writes the softmax into
/// `probs` for the backward pass.
pub fn softmax_cross_entropy(logits: &[f32], target: &[f32], probs: &mut [f32], rows: usize, cols: usize) -> f64 {
    let mut total = 0.0f64;
    for i in 0..rows {
        let r = i * cols..(i + 1) * cols;
        total += softmax_cross_entropy_row(&logits[r.clone()], &target[r.clone()], &mut probs[r]);
    }
    total
}
/// `reduction: 'none'`: the loss of each row into `losses`, the softmax into `probs`.
pub fn softmax_cross_entropy_rows(logits: &[f32], target: &[f32], probs: &mut [f32], losses: &mut [f32], rows: usize, cols: usize) {
    for i in 0..rows {
        let r = i * cols..(i + 1) * cols;
        losses[i] = softmax_cross_entropy_row(&logits[r.clone()], &target[r.clone()], &mut probs[r]) as f32;
    }
}
/// grad[i, :] = g[i] · (softmax − t)[i, :]: the per-row upstream gradient of `reduction: 'none'`.
pub fn softmax_cross_entropy_rows_backward(probs: &[f32], target: &[f32], g: &[f32], grad: &mut [f32], rows: usize, cols: usize) {
    for i in 0..rows {
        let r = i * cols..(i + 1) * cols;
        for ((d, p), t) in grad[r.clone()].iter_mut().zip(&probs[r.clone()]).zip(&target[r]) {
            *d = g[i] * (p - t);
        }
    }
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
        // Per-row losses sum to the total; the per-row backward with g = 1 equals the total's.
        let mut rows_out = vec![0.0f32; rows];
        softmax_cross_entropy_rows(&x, &t, &mut probs, &mut rows_out, rows, cols);
        for i in 0..rows {
            let r = i * cols..(i + 1) * cols;
            let mut scratch = vec![0.0; cols];
            let want = softmax_cross_entropy(&x[r.clone()], &t[r], &mut scratch, 1, cols);
            assert!((rows_out[i] as f64 - want).abs() < 1e-5, "row {i}");
        }
        let gr = [0.5f32, -2.0, 3.0];
        let mut g2 = vec![0.0; rows * cols];
        softmax_cross_entropy_rows_backward(&probs, &t, &gr, &mut g2, rows, cols);
        for k in 0..rows * cols {
            assert!((g2[k] - gr[k / cols] * g[k]).abs() < 1e-6, "rows_backward[{k}]");
        }
    }
}
