//! Reductions over a row-major matrix [rows × cols].

/// out[j] (+)= Σ_i a[i, j] — bias gradient (sum over the batch).
pub fn sum_rows(a: &[f32], out: &mut [f32], rows: usize, cols: usize, accumulate: bool) {
    let out = &mut out[..cols];
    if !accumulate {
        // The first row as `0 + x` (the bits of filling with zeros and adding, −0 included)
        // rather than a fill: wasm's memset of a tiny net's few floats was ~7% of its step.
        match a.get(..cols) {
            Some(first) if rows > 0 => out.iter_mut().zip(first).for_each(|(o, x)| *o = 0.0 + x),
            _ => out.fill(0.0),
        }
    }
    for i in (if accumulate { 0 } else { 1 })..rows {
        for (o, x) in out.iter_mut().zip(&a[i * cols..(i + 1) * cols]) {
            *o += x;
        }
    }
}
/// out[i] = Σ_j a[i, j].
pub fn sum_cols(a: &[f32], out: &mut [f32], rows: usize, cols: usize) {
    for i in 0..rows {
        out[i] = pairwise_sum(&a[i * cols..(i + 1) * cols]);
    }
}
/// Pairwise summation: error grows as O(log n) instead of O(n), which matters for the
/// mean of a 60k-sample loss in f32.
pub fn pairwise_sum(a: &[f32]) -> f32 {
    if a.len() <= 64 {
        let mut acc = [0.0f32; 8];
        let chunks = a.len() / 8;
        for c in 0..chunks {
            for l in 0..8 {
                acc[l] += a[c * 8 + l];
            }
        }
        let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
        for x in &a[chunks * 8..] {
            s += x;
        }
        s
    } else {
        let h = a.len() / 2;
        pairwise_sum(&a[..h]) + pairwise_sum(&a[h..])
    }
}
/// Index of the largest value of each row (first one on ties): accuracy and `predict`.
pub fn argmax_rows(a: &[f32], out: &mut [u32], rows: usize, cols: usize) {
    for i in 0..rows {
        let row = &a[i * cols..(i + 1) * cols];
        let mut best = 0usize;
        for j in 1..cols {
            if row[j] > row[best] {
                best = j;
            }
        }
        out[i] = best as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    #[test]
    fn reductions_match_naive() {
        let mut rng = Lcg(11);
        for &(r, c) in &[(1usize, 1usize), (3, 5), (7, 1), (1, 300), (33, 17)] {
            let a = rand_vec(&mut rng, r * c);
            let mut cs = vec![1.0; c];
            sum_rows(&a, &mut cs, r, c, false);
            let want: Vec<f32> = (0..c).map(|j| (0..r).map(|i| a[i * c + j]).sum()).collect();
            assert_close(&cs, &want, 1e-5, "sum_rows");
            // Bit for bit the fill-then-add sum, −0 rows included.
            let z: Vec<f32> = a.iter().enumerate().map(|(i, v)| if i % 2 == 0 { -0.0 } else { *v }).collect();
            let mut want_bits = vec![0.0f32; c];
            for i in 0..r {
                for j in 0..c {
                    want_bits[j] += z[i * c + j];
                }
            }
            let mut zs = vec![7.0f32; c];
            sum_rows(&z, &mut zs, r, c, false);
            assert_eq!(zs.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want_bits.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), "sum_rows bits");
            sum_rows(&a, &mut cs, r, c, true);
            assert_close(&cs, &want.iter().map(|x| 2.0 * x).collect::<Vec<_>>(), 1e-5, "sum_rows acc");
            let mut rs = vec![0.0; r];
            sum_cols(&a, &mut rs, r, c);
            let want: Vec<f32> = (0..r).map(|i| a[i * c..(i + 1) * c].iter().map(|&x| x as f64).sum::<f64>() as f32).collect();
            assert_close(&rs, &want, 1e-5, "sum_cols");
            let mut am = vec![0u32; r];
            argmax_rows(&a, &mut am, r, c);
            for i in 0..r {
                let row = &a[i * c..(i + 1) * c];
                let m = row.iter().cloned().fold(f32::MIN, f32::max);
                assert_eq!(row[am[i] as usize], m);
            }
        }
    }
}
