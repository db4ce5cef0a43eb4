//! Sparse rows (CSR: a row pointer `offsets` of rows+1 entries, column `indices` and `values`)
//! times a dense matrix. A frame difference in Pong has a few dozen nonzeros of 6400, so a first
//! layer that visits only those rows of its weight costs ~100× less than the dense product; its
//! weight gradient likewise touches only those rows. Indices and offsets are validated by the
//! caller (sparseCsrTensor, or dense_to_csr made them); slice indexing still bounds-checks.

/// out[r, :] = bias + Σ_{k ∈ offsets[r]..offsets[r+1]} values[k] · b[indices[k], :]
/// (b is [cols, n], out [rows, n]; no bias: start from zero).
pub fn sparse_mm(offsets: &[i32], indices: &[i32], values: &[f32], b: &[f32], bias: Option<&[f32]>, out: &mut [f32], n: usize) {
    for (r, row) in out.chunks_exact_mut(n).enumerate() {
        match bias {
            Some(bias) => row.copy_from_slice(bias),
            None => row.fill(0.0),
        }
        for k in offsets[r] as usize..offsets[r + 1] as usize {
            let v = values[k];
            let src = indices[k] as usize * n;
            for (o, w) in row.iter_mut().zip(&b[src..src + n]) {
                *o += v * w;
            }
        }
    }
}

/// The weight gradient of `sparse_mm`, accumulated: db[indices[k], :] += values[k] · g[r, :]
/// for every k of row r (a scatter-add of only the rows the input touched).
pub fn sparse_mm_grad_weight(offsets: &[i32], indices: &[i32], values: &[f32], g: &[f32], db: &mut [f32], n: usize) {
    for (r, grow) in g.chunks_exact(n).enumerate() {
        for k in offsets[r] as usize..offsets[r + 1] as usize {
            let v = values[k];
            let dst = indices[k] as usize * n;
            for (d, x) in db[dst..dst + n].iter_mut().zip(grow) {
                *d += v * x;
            }
        }
    }
}

/// Dense rows [rows, cols] to CSR, keeping the nonzeros in column order. `indices` and `values`
/// need room for every nonzero (rows·cols at most); returns how many there were.
pub fn dense_to_csr(x: &[f32], cols: usize, offsets: &mut [i32], indices: &mut [i32], values: &mut [f32]) -> usize {
    let mut nnz = 0;
    offsets[0] = 0;
    for (r, row) in x.chunks_exact(cols).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            if v != 0.0 {
                indices[nnz] = c as i32;
                values[nnz] = v;
                nnz += 1;
            }
        }
        offsets[r + 1] = nnz as i32;
    }
    nnz
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    /// A random [rows, cols] matrix with about `density` of its entries nonzero.
    fn sparse_dense(rng: &mut Lcg, rows: usize, cols: usize, density: f32) -> Vec<f32> {
        (0..rows * cols).map(|_| if (rng.next_f32() + 1.0) / 2.0 < density { rng.next_f32() } else { 0.0 }).collect()
    }
    fn csr(x: &[f32], rows: usize, cols: usize) -> (Vec<i32>, Vec<i32>, Vec<f32>) {
        let (mut off, mut idx, mut val) = (vec![0; rows + 1], vec![0; rows * cols], vec![0.0; rows * cols]);
        let nnz = dense_to_csr(x, cols, &mut off, &mut idx, &mut val);
        idx.truncate(nnz);
        val.truncate(nnz);
        (off, idx, val)
    }

    #[test]
    fn dense_to_csr_keeps_every_nonzero_in_order() {
        let x = [0.0, 2.0, 0.0, -1.0, /* row 1 empty */ 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.5];
        let (off, idx, val) = csr(&x, 3, 4);
        assert_eq!(off, [0, 2, 2, 4]);
        assert_eq!(idx, [1, 3, 0, 3]);
        assert_eq!(val, [2.0, -1.0, 3.0, 0.5]);
    }

    #[test]
    fn sparse_mm_matches_the_dense_product() {
        let mut rng = Lcg(11);
        let (rows, cols, n) = (7, 53, 9);
        let x = sparse_dense(&mut rng, rows, cols, 0.1);
        let b = rand_vec(&mut rng, cols * n);
        let bias = rand_vec(&mut rng, n);
        let (off, idx, val) = csr(&x, rows, cols);
        assert!(idx.len() > 0 && idx.len() < rows * cols / 4, "the test input is sparse but not empty");
        let mut got = vec![f32::NAN; rows * n];
        sparse_mm(&off, &idx, &val, &b, Some(&bias), &mut got, n);
        // Naive reference: bias + the full dense x·b, zeros included.
        let mut want = vec![0.0; rows * n];
        for r in 0..rows {
            for j in 0..n {
                let mut acc = bias[j] as f64;
                for c in 0..cols {
                    acc += x[r * cols + c] as f64 * b[c * n + j] as f64;
                }
                want[r * n + j] = acc as f32;
            }
        }
        assert_close(&got, &want, 1e-5, "sparse_mm with bias");
        sparse_mm(&off, &idx, &val, &b, None, &mut got, n);
        for r in 0..rows {
            for j in 0..n {
                want[r * n + j] -= bias[j];
            }
        }
        assert_close(&got, &want, 1e-5, "sparse_mm without bias");
    }

    #[test]
    fn sparse_mm_grad_weight_is_x_transposed_times_g() {
        let mut rng = Lcg(5);
        let (rows, cols, n) = (6, 40, 5);
        let mut x = sparse_dense(&mut rng, rows, cols, 0.15);
        // A column hit by two rows: its gradient row must accumulate both.
        x[3] = 0.75;
        x[cols + 3] = -2.0;
        let g = rand_vec(&mut rng, rows * n);
        let (off, idx, val) = csr(&x, rows, cols);
        let start = rand_vec(&mut rng, cols * n);
        let mut got = start.clone();
        sparse_mm_grad_weight(&off, &idx, &val, &g, &mut got, n);
        let mut want = start;
        for c in 0..cols {
            for j in 0..n {
                let mut acc = 0.0f64;
                for r in 0..rows {
                    acc += x[r * cols + c] as f64 * g[r * n + j] as f64;
                }
                want[c * n + j] += acc as f32;
            }
        }
        assert_close(&got, &want, 1e-5, "sparse_mm_grad_weight");
    }
}
