//! Weight initialisation that is more than a random fill: orthogonal matrices.
use super::random::fill_normal;

/// out (rows × cols, row-major) = gain · a semi-orthogonal matrix: orthonormal columns if
/// rows ≥ cols, orthonormal rows otherwise. PyTorch's recipe: a standard normal matrix, QR of it
/// (of its transpose when rows < cols), Q with each column's sign fixed so R has a positive
/// diagonal — which makes Q unique, so modified Gram–Schmidt (in f64) gives the same Q.
pub fn orthogonal(out: &mut [f32], rows: usize, cols: usize, seed: u64, gain: f32) {
    let mut raw = vec![0.0f32; rows * cols];
    fill_normal(&mut raw, seed, 0.0, 1.0);
    // a: m × n with m ≥ n, column-major so each Gram–Schmidt vector is contiguous.
    let (m, n, tall) = if rows >= cols { (rows, cols, true) } else { (cols, rows, false) };
    let mut a = vec![0.0f64; m * n];
    for i in 0..rows {
        for j in 0..cols {
            let v = raw[i * cols + j] as f64;
            // Tall: column j of the rows×cols matrix; wide: column i of its transpose.
            if tall {
                a[j * m + i] = v;
            } else {
                a[i * m + j] = v;
            }
        }
    }
    for k in 0..n {
        let (done, rest) = a.split_at_mut(k * m);
        let col = &mut rest[..m];
        // Twice: one pass of MGS loses orthogonality on ill-conditioned inputs; two are enough.
        for _ in 0..2 {
            for q in done.chunks_exact(m) {
                let d: f64 = q.iter().zip(col.iter()).map(|(x, y)| x * y).sum();
                for (c, x) in col.iter_mut().zip(q) {
                    *c -= d * x;
                }
            }
        }
        let norm = col.iter().map(|x| x * x).sum::<f64>().sqrt();
        // A zero column (probability 0 for a normal draw) stays zero rather than becoming NaN.
        if norm > 0.0 {
            for c in col.iter_mut() {
                *c /= norm;
            }
        }
    }
    for i in 0..rows {
        for j in 0..cols {
            let v = if tall { a[j * m + i] } else { a[i * m + j] };
            out[i * cols + j] = (v * gain as f64) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gram matrix of the columns (tall) or rows (wide) must be gain²·I.
    fn check(rows: usize, cols: usize, gain: f32) {
        let mut w = vec![0.0f32; rows * cols];
        orthogonal(&mut w, rows, cols, 11, gain);
        let at = |i: usize, j: usize| w[i * cols + j] as f64;
        let (n, len) = if rows >= cols { (cols, rows) } else { (rows, cols) };
        for a in 0..n {
            for b in 0..n {
                let dot: f64 = (0..len).map(|t| if rows >= cols { at(t, a) * at(t, b) } else { at(a, t) * at(b, t) }).sum();
                let want = if a == b { (gain * gain) as f64 } else { 0.0 };
                assert!((dot - want).abs() < 1e-5, "{rows}x{cols} [{a},{b}] = {dot}");
            }
        }
    }

    #[test]
    fn orthogonal_is_semi_orthogonal_and_seeded() {
        check(50, 20, 1.0);
        check(20, 50, 2.0);
        check(16, 16, 1.0);
        let (mut a, mut b) = (vec![0.0; 12], vec![0.0; 12]);
        orthogonal(&mut a, 4, 3, 5, 1.0);
        orthogonal(&mut b, 4, 3, 5, 1.0);
        assert_eq!(a, b);
        orthogonal(&mut b, 4, 3, 6, 1.0);
        assert_ne!(a, b);
    }

    #[test]
    fn orthogonal_is_q_of_the_normal_draw() {
        // Naive reference: classical Gram–Schmidt on the same normal draw, rows ≥ cols.
        let (rows, cols) = (6, 3);
        let mut raw = vec![0.0f32; rows * cols];
        fill_normal(&mut raw, 9, 0.0, 1.0);
        let mut q: Vec<Vec<f64>> = Vec::new();
        for j in 0..cols {
            let mut v: Vec<f64> = (0..rows).map(|i| raw[i * cols + j] as f64).collect();
            let orig = v.clone();
            for u in &q {
                let d: f64 = u.iter().zip(&orig).map(|(a, b)| a * b).sum();
                for (x, y) in v.iter_mut().zip(u) {
                    *x -= d * y;
                }
            }
            let nrm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            q.push(v.iter().map(|x| x / nrm).collect());
        }
        let mut w = vec![0.0f32; rows * cols];
        orthogonal(&mut w, rows, cols, 9, 1.0);
        for i in 0..rows {
            for j in 0..cols {
                assert!((w[i * cols + j] as f64 - q[j][i]).abs() < 1e-5);
            }
        }
    }
}
