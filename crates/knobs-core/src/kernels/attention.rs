//! Attention's softmax in one pass: scale, padding mask, causal mask and the softmax over the last
//! axis of a rank-4 [b, h, l, s] score tensor, forward and backward. Composed from `mul`, `where`,
//! `softmax` and `mul` again, the same step is four kernels and three temporaries per call.
//!
//! A masked key gets weight 0 exactly; a query whose every key is masked gets an all-zero row (not
//! NaN, not uniform), so attention over an empty padding row outputs 0 with zero gradients.

/// Shape of the scores and the (broadcast) layout of the keep mask: element strides of the mask
/// over [b, h, l, s], 0 on a broadcast axis. `mask_strides` is ignored without a mask.
#[derive(Clone, Copy, Debug)]
pub struct MaskedSoftmaxShape {
    pub dims: [usize; 4],
    pub mask_strides: [usize; 4],
    /// Query i sees keys 0..=i only (top-left aligned when l ≠ s, as PyTorch).
    pub causal: bool,
}

/// Calls `f(row, keep)` for every score row; `keep(j)` says whether key j may be attended.
fn for_rows(shape: &MaskedSoftmaxShape, mask: Option<&[f32]>, mut f: impl FnMut(usize, &dyn Fn(usize) -> bool)) {
    let [b, h, l, s] = shape.dims;
    let ms = shape.mask_strides;
    let mut row = 0;
    for bi in 0..b {
        for hi in 0..h {
            for li in 0..l {
                let base = bi * ms[0] + hi * ms[1] + li * ms[2];
                let limit = if shape.causal { (li + 1).min(s) } else { s };
                let keep = |j: usize| j < limit && mask.map_or(true, |m| m[base + j * ms[3]] != 0.0);
                f(row, &keep);
                row += 1;
            }
        }
    }
}

/// out = softmax over the last axis of (scale · x) restricted to kept keys; masked keys get 0.
pub fn masked_softmax(x: &[f32], mask: Option<&[f32]>, shape: &MaskedSoftmaxShape, scale: f32, out: &mut [f32]) {
    let s = shape.dims[3];
    for_rows(shape, mask, |row, keep| {
        let xr = &x[row * s..(row + 1) * s];
        let or = &mut out[row * s..(row + 1) * s];
        let mut m = f32::NEG_INFINITY;
        let mut any = false;
        for (j, v) in xr.iter().enumerate() {
            if keep(j) {
                any = true;
                // Not f32::max: it drops NaN, and a NaN score must reach the loss to be reported.
                let v = v * scale;
                if v > m || v.is_nan() {
                    m = v;
                }
            }
        }
        if !any {
            or.fill(0.0);
            return;
        }
        let mut sum = 0.0f32;
        for (j, (o, v)) in or.iter_mut().zip(xr).enumerate() {
            *o = if keep(j) { (v * scale - m).exp() } else { 0.0 };
            sum += *o;
        }
        let inv = 1.0 / sum;
        for o in or.iter_mut() {
            *o *= inv;
        }
    });
}

/// gx = scale · y ⊙ (g − ⟨g, y⟩) per row. Masked keys have y = 0, so their gradient is 0 without
/// reading the mask again.
pub fn masked_softmax_backward(y: &[f32], g: &[f32], s: usize, scale: f32, out: &mut [f32]) {
    if s == 0 {
        return;
    }
    for ((yr, gr), or) in y.chunks_exact(s).zip(g.chunks_exact(s)).zip(out.chunks_exact_mut(s)) {
        let d: f32 = yr.iter().zip(gr).map(|(a, b)| a * b).sum();
        for ((o, yi), gi) in or.iter_mut().zip(yr).zip(gr) {
            *o = scale * yi * (gi - d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    /// The composition the kernel replaces, in f64: where(keep, scale·x, −1e30), softmax, × keep.
    fn naive(x: &[f32], keep: &[bool], s: usize, scale: f64) -> Vec<f32> {
        let mut out = vec![0f32; x.len()];
        for r in 0..x.len() / s {
            let z: Vec<f64> = (0..s).map(|j| if keep[r * s + j] { x[r * s + j] as f64 * scale } else { -1e30 }).collect();
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
            let t: f64 = e.iter().sum();
            for j in 0..s {
                out[r * s + j] = if keep[r * s + j] { (e[j] / t) as f32 } else { 0.0 };
            }
        }
        out
    }

    /// The keep flags of every score element, spelled out from a dense [b, h, l, s] mask.
    fn keep_of(dims: [usize; 4], mask: Option<&[f32]>, ms: [usize; 4], causal: bool) -> Vec<bool> {
        let [b, h, l, s] = dims;
        let mut k = Vec::new();
        for bi in 0..b {
            for hi in 0..h {
                for li in 0..l {
                    for j in 0..s {
                        let m = mask.map_or(true, |m| m[bi * ms[0] + hi * ms[1] + li * ms[2] + j * ms[3]] != 0.0);
                        k.push(m && (!causal || j <= li));
                    }
                }
            }
        }
        k
    }

    #[test]
    fn masked_softmax_matches_the_composition() {
        let mut rng = Lcg(7);
        let dims = [2, 3, 4, 5];
        let n: usize = dims.iter().product();
        let x: Vec<f32> = rand_vec(&mut rng, n).iter().map(|v| v * 4.0).collect();
        // A key-padding mask [b, 1, 1, s] (broadcast over heads and queries) with one batch row
        // entirely masked, and a full [b, h, l, s] mask.
        let pad: Vec<f32> = vec![1., 1., 0., 1., 0., 0., 0., 0., 0., 0.];
        let full: Vec<f32> = rand_vec(&mut rng, n).iter().map(|v| if *v > -0.3 { 1.0 } else { 0.0 }).collect();
        let cases: [(Option<&[f32]>, [usize; 4]); 3] = [(None, [0; 4]), (Some(&pad), [5, 0, 0, 1]), (Some(&full), [60, 20, 5, 1])];
        for (mask, ms) in cases {
            for causal in [false, true] {
                let shape = MaskedSoftmaxShape { dims, mask_strides: ms, causal };
                let mut out = vec![f32::NAN; n];
                masked_softmax(&x, mask, &shape, 0.7, &mut out);
                let keep = keep_of(dims, mask, ms, causal);
                assert_close(&out, &naive(&x, &keep, 5, 0.7), 1e-6, "masked_softmax");
                for r in 0..n / 5 {
                    let row = &out[r * 5..r * 5 + 5];
                    let any = keep[r * 5..r * 5 + 5].iter().any(|k| *k);
                    let total: f32 = row.iter().sum();
                    assert!(if any { (total - 1.0).abs() < 1e-5 } else { total == 0.0 }, "row {r} sums to {total}");
                }
            }
        }
    }

    #[test]
    fn masked_softmax_backward_matches_finite_differences() {
        let mut rng = Lcg(11);
        let dims = [1, 2, 3, 4];
        let n = 24;
        let x = rand_vec(&mut rng, n);
        let g = rand_vec(&mut rng, n);
        let mask: Vec<f32> = vec![1., 0., 1., 1.];
        let shape = MaskedSoftmaxShape { dims, mask_strides: [0, 0, 0, 1], causal: true };
        let loss = |x: &[f32]| -> f64 {
            let mut y = vec![0f32; n];
            masked_softmax(x, Some(&mask), &shape, 1.3, &mut y);
            y.iter().zip(&g).map(|(a, b)| *a as f64 * *b as f64).sum()
        };
        let mut y = vec![0f32; n];
        masked_softmax(&x, Some(&mask), &shape, 1.3, &mut y);
        let mut gx = vec![f32::NAN; n];
        masked_softmax_backward(&y, &g, 4, 1.3, &mut gx);
        let eps = 1e-2f32;
        let numeric: Vec<f32> = (0..n)
            .map(|i| {
                let (mut a, mut b) = (x.clone(), x.clone());
                a[i] += eps;
                b[i] -= eps;
                ((loss(&a) - loss(&b)) / (2.0 * eps as f64)) as f32
            })
            .collect();
        assert_close(&gx, &numeric, 2e-3, "masked_softmax_backward");
        // Masked keys (column 1, and everything right of the diagonal) get exactly 0.
        assert!(gx.iter().enumerate().all(|(i, v)| (i % 4 != 1 && i % 4 <= (i / 4) % 3) || *v == 0.0));
    }

    #[test]
    fn masked_softmax_is_finite_for_large_scores() {
        let x = vec![1e30f32, -1e30, 3e38, 0.0];
        let shape = MaskedSoftmaxShape { dims: [1, 1, 1, 4], mask_strides: [0; 4], causal: false };
        let mut out = vec![0f32; 4];
        masked_softmax(&x, None, &shape, 1.0, &mut out);
        assert_eq!(out, vec![0.0, 0.0, 1.0, 0.0]);
    }
}
