//! Reductions along one axis of a tensor viewed as [outer, n, inner]: max/min with their arg
//! positions, and a stable log-sum-exp. The inner loop runs over `inner` contiguous lanes, so
//! reducing a middle axis streams memory instead of striding through it.

/// Shared by max and min: `better(v, best)` decides a replacement. Strictly better only, so the
/// first of equal values wins (PyTorch's tie rule); a NaN wins over any number and then stays.
fn extreme_axis(x: &[f32], out: &mut [f32], arg: &mut [i32], outer: usize, n: usize, inner: usize, better: impl Fn(f32, f32) -> bool + Copy) {
    if inner == 1 {
        for o in 0..outer {
            let (v, i) = row_extreme(&x[o * n..(o + 1) * n], better);
            out[o] = v;
            arg[o] = i as i32;
        }
        return;
    }
    for o in 0..outer {
        let base = o * n * inner;
        let (val, at) = (&mut out[o * inner..(o + 1) * inner], &mut arg[o * inner..(o + 1) * inner]);
        val.copy_from_slice(&x[base..base + inner]);
        at.fill(0);
        for j in 1..n {
            let row = &x[base + j * inner..base + (j + 1) * inner];
            for ((b, a), &v) in val.iter_mut().zip(at.iter_mut()).zip(row) {
                if (better(v, *b) || v.is_nan()) && !b.is_nan() {
                    *b = v;
                    *a = j as i32;
                }
            }
        }
    }
}
/// The extreme of a contiguous row (the last axis, or all elements) and its first position.
/// Eight independent lanes with no NaN test in the loop, so LLVM turns it into SIMD compares and
/// selects; the position is then found by a scan that stops at the first match. A NaN anywhere
/// is the answer, at its first position.
fn row_extreme(row: &[f32], better: impl Fn(f32, f32) -> bool) -> (f32, usize) {
    let mut lanes = [row[0]; 8];
    let mut nan = [false; 8];
    let chunks = row.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..8 {
            let v = c[l];
            nan[l] |= v != v;
            lanes[l] = if better(v, lanes[l]) { v } else { lanes[l] };
        }
    }
    for &v in rest {
        nan[0] |= v != v;
        lanes[0] = if better(v, lanes[0]) { v } else { lanes[0] };
    }
    if nan.iter().any(|&b| b) || row[0].is_nan() {
        let i = row.iter().position(|v| v.is_nan()).unwrap_or(0);
        return (row[i], i);
    }
    let mut best = lanes[0];
    for &v in &lanes[1..] {
        if better(v, best) {
            best = v;
        }
    }
    // The element itself, not `best`: −0 and +0 compare equal but the value must be the one at i.
    let i = row.iter().position(|&v| v == best).unwrap_or(0);
    (row[i], i)
}
/// out[o, q] = max_j x[o, j, q], arg[o, q] = the first j attaining it. n ≥ 1.
pub fn max_axis(x: &[f32], out: &mut [f32], arg: &mut [i32], outer: usize, n: usize, inner: usize) {
    extreme_axis(x, out, arg, outer, n, inner, |v, b| v > b)
}
/// out[o, q] = min_j x[o, j, q], arg[o, q] = the first j attaining it. n ≥ 1.
pub fn min_axis(x: &[f32], out: &mut [f32], arg: &mut [i32], outer: usize, n: usize, inner: usize) {
    extreme_axis(x, out, arg, outer, n, inner, |v, b| v < b)
}

/// out[o, q] = log Σ_j exp(x[o, j, q]), computed as m + log Σ exp(x − m) with m the max, so no
/// term overflows. An all −∞ slice gives −∞ (and n = 0 gives log 0 = −∞, as PyTorch); a +∞ gives +∞.
pub fn logsumexp_axis(x: &[f32], out: &mut [f32], outer: usize, n: usize, inner: usize) {
    if inner == 1 && n > 0 {
        for (o, y) in out[..outer].iter_mut().enumerate() {
            let row = &x[o * n..(o + 1) * n];
            let (m, _) = row_extreme(row, |v, b| v > b);
            *y = if m.is_finite() { m + row.iter().map(|v| (v - m).exp()).sum::<f32>().ln() } else { m };
        }
        return;
    }
    let mut acc = vec![0.0f32; inner];
    for o in 0..outer {
        let base = o * n * inner;
        let m = &mut out[o * inner..(o + 1) * inner];
        m.fill(f32::NEG_INFINITY);
        for j in 0..n {
            for (b, &v) in m.iter_mut().zip(&x[base + j * inner..base + (j + 1) * inner]) {
                // Not f32::max: it would drop a NaN, which must reach the result.
                if v > *b || v.is_nan() {
                    *b = v;
                }
            }
        }
        acc.fill(0.0);
        for j in 0..n {
            for ((s, &b), &v) in acc.iter_mut().zip(m.iter()).zip(&x[base + j * inner..base + (j + 1) * inner]) {
                *s += (v - b).exp();
            }
        }
        for (b, s) in m.iter_mut().zip(&acc) {
            if b.is_finite() {
                *b += s.ln();
            }
        }
    }
}
/// gx[o, j, q] = g[o, q] · exp(x[o, j, q] − y[o, q]) (the softmax along the axis); y = logsumexp.
/// An all −∞ slice has no softmax; its gradient is 0 rather than NaN.
pub fn logsumexp_backward(x: &[f32], y: &[f32], g: &[f32], gx: &mut [f32], outer: usize, n: usize, inner: usize) {
    for o in 0..outer {
        let (yo, go) = (&y[o * inner..(o + 1) * inner], &g[o * inner..(o + 1) * inner]);
        for j in 0..n {
            let at = (o * n + j) * inner;
            for (((d, &v), &l), &gi) in gx[at..at + inner].iter_mut().zip(&x[at..at + inner]).zip(yo).zip(go) {
                *d = if l == f32::NEG_INFINITY { 0.0 } else { gi * (v - l).exp() };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    #[test]
    fn max_min_match_naive_with_first_index_on_ties() {
        let mut rng = Lcg(21);
        for &(outer, n, inner) in &[(1usize, 1usize, 1usize), (3, 5, 1), (2, 4, 7), (1, 9, 3), (3, 37, 1), (2, 64, 1)] {
            // Rounded values make ties common.
            let x: Vec<f32> = rand_vec(&mut rng, outer * n * inner).iter().map(|v| (v * 3.0).round()).collect();
            let (mut mx, mut mn) = (vec![0.0; outer * inner], vec![0.0; outer * inner]);
            let (mut ax, mut an) = (vec![0; outer * inner], vec![0; outer * inner]);
            max_axis(&x, &mut mx, &mut ax, outer, n, inner);
            min_axis(&x, &mut mn, &mut an, outer, n, inner);
            for o in 0..outer {
                for q in 0..inner {
                    let col: Vec<f32> = (0..n).map(|j| x[(o * n + j) * inner + q]).collect();
                    let hi = col.iter().cloned().fold(f32::MIN, f32::max);
                    let lo = col.iter().cloned().fold(f32::MAX, f32::min);
                    assert_eq!(mx[o * inner + q], hi);
                    assert_eq!(mn[o * inner + q], lo);
                    assert_eq!(ax[o * inner + q] as usize, col.iter().position(|&v| v == hi).unwrap());
                    assert_eq!(an[o * inner + q] as usize, col.iter().position(|&v| v == lo).unwrap());
                }
            }
        }
        let (mut v, mut a) = ([0.0], [0]);
        max_axis(&[1.0, f32::NAN, 5.0], &mut v, &mut a, 1, 3, 1);
        assert!(v[0].is_nan() && a[0] == 1, "NaN propagates with its position");
        min_axis(&[f32::NAN, -1.0], &mut v, &mut a, 1, 2, 1);
        assert!(v[0].is_nan() && a[0] == 0);
        // A NaN inside the eight-lane part of a long row, and in the strided path.
        let mut long: Vec<f32> = (0..20).map(|i| i as f32).collect();
        long[11] = f32::NAN;
        long[13] = f32::NAN;
        max_axis(&long, &mut v, &mut a, 1, 20, 1);
        assert!(v[0].is_nan() && a[0] == 11);
        let (mut v2, mut a2) = ([0.0; 2], [0; 2]);
        max_axis(&[1.0, 2.0, f32::NAN, 0.0, 3.0, 9.0], &mut v2, &mut a2, 1, 3, 2);
        assert!(v2[0].is_nan() && a2[0] == 1 && v2[1] == 9.0 && a2[1] == 2);
        // −0 at 1 and +0 at 8 (another lane) tie: the first position wins and its own value is returned.
        let mut zeros = [-1.0f32; 10];
        zeros[1] = -0.0;
        zeros[8] = 0.0;
        max_axis(&zeros, &mut v, &mut a, 1, 10, 1);
        assert!(a[0] == 1 && v[0] == 0.0 && v[0].is_sign_negative());
    }

    #[test]
    fn logsumexp_matches_f64_and_is_stable() {
        let mut rng = Lcg(4);
        for &(outer, n, inner) in &[(1usize, 6usize, 1usize), (3, 4, 5), (2, 1, 3), (2, 37, 1)] {
            let x: Vec<f32> = rand_vec(&mut rng, outer * n * inner).iter().map(|v| v * 5.0).collect();
            let mut y = vec![0.0; outer * inner];
            logsumexp_axis(&x, &mut y, outer, n, inner);
            let g = rand_vec(&mut rng, outer * inner);
            let mut gx = vec![0.0; x.len()];
            logsumexp_backward(&x, &y, &g, &mut gx, outer, n, inner);
            let mut want = vec![0.0; outer * inner];
            let mut want_g = vec![0.0; x.len()];
            for o in 0..outer {
                for q in 0..inner {
                    let at = |j: usize| (o * n + j) * inner + q;
                    let s: f64 = (0..n).map(|j| (x[at(j)] as f64).exp()).sum();
                    want[o * inner + q] = s.ln() as f32;
                    for j in 0..n {
                        want_g[at(j)] = (g[o * inner + q] as f64 * (x[at(j)] as f64).exp() / s) as f32;
                    }
                }
            }
            assert_close(&y, &want, 1e-5, "logsumexp");
            assert_close(&gx, &want_g, 1e-5, "logsumexp_backward");
        }
        let mut y = [0.0; 3];
        logsumexp_axis(&[1000.0, 1000.0, f32::NEG_INFINITY, f32::NEG_INFINITY, -1000.0, -1000.0], &mut y, 3, 2, 1);
        assert!((y[0] - (1000.0 + 2f32.ln())).abs() < 1e-3, "no overflow: {}", y[0]);
        assert_eq!(y[1], f32::NEG_INFINITY);
        assert!((y[2] - (-1000.0 + 2f32.ln())).abs() < 1e-3, "no underflow: {}", y[2]);
        let mut gx = [1.0; 2];
        logsumexp_backward(&[f32::NEG_INFINITY; 2], &[f32::NEG_INFINITY], &[1.0], &mut gx, 1, 2, 1);
        assert_eq!(gx, [0.0, 0.0]);
    }
}
