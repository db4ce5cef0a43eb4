//! Dense f32 matrix products in the three layouts backprop needs, row-major:
//! `matmul`    C[m×n] (+)= A[m×k] · B[k×n]   (forward)
//! `matmul_nt` C[m×n] (+)= A[m×k] · B[n×k]ᵀ  (input gradient: dY · Wᵀ)
//! `matmul_tn` C[m×n] (+)= A[k×m]ᵀ · B[k×n]  (weight gradient: Xᵀ · dY)
//! `accumulate` adds into C instead of overwriting it, so gradients can be summed in place.

use super::gemm::{gemm, gemm_via, Mat};
pub use super::gemm::{gemm_packing, PACKING_PLAIN, PACKING_PRE, VIA_PATHS};

pub fn matmul(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    gemm(Mat { data: a, rs: k, cs: 1 }, Mat { data: b, rs: n, cs: 1 }, c, m, k, n, accumulate);
}

pub fn matmul_nt(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    assert!(a.len() >= m * k && b.len() >= n * k && c.len() >= m * n);
    gemm(Mat { data: a, rs: k, cs: 1 }, Mat { data: b, rs: 1, cs: k }, c, m, k, n, accumulate);
}

pub fn matmul_tn(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    assert!(a.len() >= k * m && b.len() >= k * n && c.len() >= m * n);
    gemm(Mat { data: a, rs: 1, cs: m }, Mat { data: b, rs: n, cs: 1 }, c, m, k, n, accumulate);
}

/// `matmul` through gemm's blocked path `via` (`gemm_via`; 0: gemm's own choice). Same bits.
#[allow(clippy::too_many_arguments)]
pub fn matmul_via(via: u32, a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    gemm_via(via, Mat { data: a, rs: k, cs: 1 }, Mat { data: b, rs: n, cs: 1 }, c, m, k, n, accumulate);
}

/// `matmul_tn` through gemm's blocked path `via`, as `matmul_via`.
#[allow(clippy::too_many_arguments)]
pub fn matmul_tn_via(via: u32, a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    assert!(a.len() >= k * m && b.len() >= k * n && c.len() >= m * n);
    gemm_via(via, Mat { data: a, rs: 1, cs: m }, Mat { data: b, rs: n, cs: 1 }, c, m, k, n, accumulate);
}

/// Dot product with 8 independent partial sums: breaks the add dependency chain and lets
/// LLVM keep two f32x4 accumulators (a plain fold is not vectorised: float adds do not reassociate).
#[inline(always)]
pub fn dot(x: &[f32], y: &[f32]) -> f32 {
    let n = x.len().min(y.len());
    let mut acc = [0.0f32; 8];
    let chunks = n / 8;
    for c in 0..chunks {
        let xs = &x[c * 8..c * 8 + 8];
        let ys = &y[c * 8..c * 8 + 8];
        for l in 0..8 {
            acc[l] += xs[l] * ys[l];
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for t in chunks * 8..n {
        s += x[t] * y[t];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, ta: bool, tb: bool) -> Vec<f32> {
        let mut c = vec![0.0f64; m * n];
        for i in 0..m {
            for j in 0..n {
                for p in 0..k {
                    let av = if ta { a[p * m + i] } else { a[i * k + p] };
                    let bv = if tb { b[j * k + p] } else { b[p * n + j] };
                    c[i * n + j] += av as f64 * bv as f64;
                }
            }
        }
        c.into_iter().map(|v| v as f32).collect()
    }

    /// Shapes reaching every path of the blocked kernel: 1×1, odd sizes, partial tiles, the
    /// narrow last strip (n % 8 ≤ 4), the pre-broadcast A path (n ≥ 64), and more than one
    /// depth (k > 256), row (m > 64) and column (n > 512) block. Run in sequence, they also
    /// exercise the reuse of the packing scratch across shapes.
    #[test]
    fn all_layouts_match_naive_on_awkward_shapes() {
        let mut rng = Lcg(7);
        let shapes = [
            (1, 1, 1), (1, 7, 1), (3, 5, 2), (4, 4, 4), (4, 8, 8), (5, 9, 17), (13, 1, 8), (17, 33, 9),
            (64, 31, 65), (7, 3, 5), (2, 300, 3), (67, 19, 70), (33, 64, 64), (9, 3, 530),
            (130, 257, 12), (66, 513, 67), (100, 40, 10), (70, 9, 5), (0, 3, 2), (2, 0, 3), (3, 2, 0),
        ];
        for &(m, k, n) in &shapes {
            let a = rand_vec(&mut rng, m * k);
            let b = rand_vec(&mut rng, k * n);
            let bt = rand_vec(&mut rng, n * k);
            let at = rand_vec(&mut rng, k * m);
            for acc in [false, true] {
                // Without accumulate C must be overwritten: start from NaN to catch any read of it.
                let base = if acc { rand_vec(&mut rng, m * n) } else { vec![f32::NAN; m * n] };
                let with_base = |mut r: Vec<f32>| {
                    if acc {
                        for (x, y) in r.iter_mut().zip(&base) {
                            *x += y;
                        }
                    }
                    r
                };
                let what = |op: &str| format!("{op} {m}x{k}x{n} acc={acc}");
                // f32 rounding grows with the depth of each sum; a wrong element is off by O(1).
                let tol = 1e-6 * k.max(10) as f32;
                let mut c = base.clone();
                matmul(&a, &b, &mut c, m, k, n, acc);
                assert_close(&c, &with_base(naive(&a, &b, m, k, n, false, false)), tol, &what("matmul"));
                let mut c = base.clone();
                matmul_nt(&a, &bt, &mut c, m, k, n, acc);
                assert_close(&c, &with_base(naive(&a, &bt, m, k, n, false, true)), tol, &what("matmul_nt"));
                let mut c = base.clone();
                matmul_tn(&at, &b, &mut c, m, k, n, acc);
                assert_close(&c, &with_base(naive(&at, &b, m, k, n, true, false)), tol, &what("matmul_tn"));
            }
        }
    }

    #[test]
    fn non_finite_inputs_stay_in_their_rows_and_columns() {
        // Packed strips are zero-padded; a NaN/∞ must not leak through the padding into other
        // elements of an edge tile (0·∞ = NaN lands only in padding lanes, never stored).
        let (m, k, n) = (5, 3, 6);
        let mut a = vec![1.0f32; m * k];
        let mut b = vec![1.0f32; k * n];
        a[4 * k + 1] = f32::INFINITY; // row 4
        b[2 * n + 5] = f32::NAN; // column 5
        let mut c = vec![0.0f32; m * n];
        matmul(&a, &b, &mut c, m, k, n, false);
        for i in 0..m {
            for j in 0..n {
                let v = c[i * n + j];
                match (i == 4, j == 5) {
                    (_, true) => assert!(v.is_nan(), "c[{i}][{j}] = {v}"),
                    (true, false) => assert_eq!(v, f32::INFINITY, "c[{i}][{j}]"),
                    _ => assert_eq!(v, 3.0, "c[{i}][{j}]"),
                }
            }
        }
    }

    /// Split over threads, a product is the same bits as on one thread, for every layout and
    /// path (pre-broadcast, swapped, plain), uneven last parts, and with accumulate.
    #[test]
    fn threaded_products_are_bit_identical_to_one_thread() {
        use crate::kernels::par::with_host_threads;
        let mut rng = Lcg(11);
        let shapes = [(100, 784, 40), (784, 100, 40), (130, 257, 70), (67, 300, 9), (64, 64, 64), (200, 40, 10), (33, 1000, 8)];
        for &(m, k, n) in &shapes {
            let (a, b, bt, at) = (rand_vec(&mut rng, m * k), rand_vec(&mut rng, k * n), rand_vec(&mut rng, n * k), rand_vec(&mut rng, k * m));
            for acc in [false, true] {
                let base = rand_vec(&mut rng, m * n);
                type Op = fn(&[f32], &[f32], &mut [f32], usize, usize, usize, bool);
                let ops: [(&str, Op, &[f32], &[f32]); 3] = [("matmul", matmul, &a, &b), ("matmul_nt", matmul_nt, &a, &bt), ("matmul_tn", matmul_tn, &at, &b)];
                for (name, op, x, y) in ops {
                    let mut one = base.clone();
                    op(x, y, &mut one, m, k, n, acc);
                    for t in [2, 3] {
                        let mut many = base.clone();
                        with_host_threads(t, || op(x, y, &mut many, m, k, n, acc));
                        let same = one.iter().zip(&many).all(|(p, q)| p.to_bits() == q.to_bits());
                        assert!(same, "{name} {m}x{k}x{n} acc={acc} on {t} threads differs from 1 thread");
                    }
                }
            }
        }
    }
}
