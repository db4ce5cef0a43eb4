//! Dense f32 matrix products in the three layouts backprop needs, row-major:
//! `matmul`    C[m×n] (+)= A[m×k] · B[k×n]   (forward)
//! `matmul_nt` C[m×n] (+)= A[m×k] · B[n×k]ᵀ  (input gradient: dY · Wᵀ)
//! `matmul_tn` C[m×n] (+)= A[k×m]ᵀ · B[k×n]  (weight gradient: Xᵀ · dY)
//! `accumulate` adds into C instead of overwriting it, so gradients can be summed in place.

/// Rows of C computed together: each loaded row of B is reused this many times.
const MR: usize = 4;

#[inline(always)]
fn axpy_row(c: &mut [f32], a: f32, b: &[f32]) {
    // Simple zip loop: LLVM vectorises it to f32x4 multiply-adds under +simd128.
    for (ci, bi) in c.iter_mut().zip(b) {
        *ci += a * bi;
    }
}

pub fn matmul(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    if !accumulate {
        c[..m * n].fill(0.0);
    }
    if n == 0 {
        return;
    }
    let mut i = 0;
    while i + MR <= m {
        let (c0, rest) = c[i * n..(i + MR) * n].split_at_mut(n);
        let (c1, rest) = rest.split_at_mut(n);
        let (c2, c3) = rest.split_at_mut(n);
        for p in 0..k {
            let brow = &b[p * n..(p + 1) * n];
            let (a0, a1, a2, a3) = (a[i * k + p], a[(i + 1) * k + p], a[(i + 2) * k + p], a[(i + 3) * k + p]);
            for j in 0..n {
                let bj = brow[j];
                c0[j] += a0 * bj;
                c1[j] += a1 * bj;
                c2[j] += a2 * bj;
                c3[j] += a3 * bj;
            }
        }
        i += MR;
    }
    for i in i..m {
        let crow = &mut c[i * n..(i + 1) * n];
        for p in 0..k {
            axpy_row(crow, a[i * k + p], &b[p * n..(p + 1) * n]);
        }
    }
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

pub fn matmul_nt(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    assert!(a.len() >= m * k && b.len() >= n * k && c.len() >= m * n);
    for i in 0..m {
        let arow = &a[i * k..(i + 1) * k];
        for j in 0..n {
            let d = dot(arow, &b[j * k..(j + 1) * k]);
            let cij = &mut c[i * n + j];
            *cij = if accumulate { *cij + d } else { d };
        }
    }
}

pub fn matmul_tn(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    assert!(a.len() >= k * m && b.len() >= k * n && c.len() >= m * n);
    if !accumulate {
        c[..m * n].fill(0.0);
    }
    for p in 0..k {
        let brow = &b[p * n..(p + 1) * n];
        let arow = &a[p * m..(p + 1) * m];
        for i in 0..m {
            let av = arow[i];
            if av != 0.0 {
                axpy_row(&mut c[i * n..(i + 1) * n], av, brow);
            }
        }
    }
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

    #[test]
    fn all_layouts_match_naive_on_awkward_shapes() {
        let mut rng = Lcg(7);
        let shapes = [(1, 1, 1), (1, 7, 1), (3, 5, 2), (4, 4, 4), (5, 9, 17), (13, 1, 8), (17, 33, 9), (64, 31, 65), (0, 3, 2), (2, 0, 3)];
        for &(m, k, n) in &shapes {
            let a = rand_vec(&mut rng, m * k);
            let b = rand_vec(&mut rng, k * n);
            let bt = rand_vec(&mut rng, n * k);
            let at = rand_vec(&mut rng, k * m);
            for acc in [false, true] {
                let base = rand_vec(&mut rng, m * n);
                let with_base = |mut r: Vec<f32>| {
                    if acc {
                        for (x, y) in r.iter_mut().zip(&base) {
                            *x += y;
                        }
                    }
                    r
                };
                let mut c = base.clone();
                matmul(&a, &b, &mut c, m, k, n, acc);
                assert_close(&c, &with_base(naive(&a, &b, m, k, n, false, false)), 1e-5, "matmul");
                let mut c = base.clone();
                matmul_nt(&a, &bt, &mut c, m, k, n, acc);
                assert_close(&c, &with_base(naive(&a, &bt, m, k, n, false, true)), 1e-5, "matmul_nt");
                let mut c = base.clone();
                matmul_tn(&at, &b, &mut c, m, k, n, acc);
                assert_close(&c, &with_base(naive(&at, &b, m, k, n, true, false)), 1e-5, "matmul_tn");
            }
        }
    }
}
