//! Batched matrix products with NumPy broadcasting over the batch dimensions, in the three
//! layouts of `matmul.rs` (`_nt`: B stored n×k, `_tn`: A stored k×m). Every matrix is
//! row-major and contiguous; the batch dimensions are described by strides in elements:
//! 0 in A or B repeats that operand along the dimension (broadcast), 0 in C sums the products
//! along it into one matrix (the gradient of a broadcast operand).
use super::gemm::{gemm_batched, Mat};

/// The batch dimensions of a product: the full (broadcast) batch shape and, per dimension, the
/// element strides between A's, B's and C's matrices. C's nonzero strides must be its
/// row-major layout (the matrices C keeps are consecutive).
pub struct Batch<'s> {
    pub shape: &'s [usize],
    pub a: &'s [usize],
    pub b: &'s [usize],
    pub c: &'s [usize],
}

#[allow(clippy::too_many_arguments)]
pub fn matmul_batched(a: &[f32], b: &[f32], c: &mut [f32], bt: &Batch, m: usize, k: usize, n: usize, accumulate: bool) {
    run(Mat { data: a, rs: k, cs: 1 }, Mat { data: b, rs: n, cs: 1 }, c, bt, m, k, n, accumulate);
}

#[allow(clippy::too_many_arguments)]
pub fn matmul_batched_nt(a: &[f32], b: &[f32], c: &mut [f32], bt: &Batch, m: usize, k: usize, n: usize, accumulate: bool) {
    run(Mat { data: a, rs: k, cs: 1 }, Mat { data: b, rs: 1, cs: k }, c, bt, m, k, n, accumulate);
}

#[allow(clippy::too_many_arguments)]
pub fn matmul_batched_tn(a: &[f32], b: &[f32], c: &mut [f32], bt: &Batch, m: usize, k: usize, n: usize, accumulate: bool) {
    run(Mat { data: a, rs: 1, cs: m }, Mat { data: b, rs: n, cs: 1 }, c, bt, m, k, n, accumulate);
}

#[allow(clippy::too_many_arguments)]
fn run(a: Mat, b: Mat, c: &mut [f32], bt: &Batch, m: usize, k: usize, n: usize, accumulate: bool) {
    let r = bt.shape.len();
    assert!(bt.a.len() == r && bt.b.len() == r && bt.c.len() == r, "matmul_batched: one stride per batch dimension");
    let (kept, summed): (Vec<usize>, Vec<usize>) = (0..r).partition(|&d| bt.c[d] != 0);
    let mut next = m * n;
    for &d in kept.iter().rev() {
        assert_eq!(bt.c[d], next, "matmul_batched: C's strides must be row-major over the dimensions it keeps");
        next *= bt.shape[d];
    }
    let mats: usize = kept.iter().map(|&d| bt.shape[d]).product();
    let per_c: usize = summed.iter().map(|&d| bt.shape[d]).product();
    assert!(c.len() >= mats * m * n, "matmul_batched: C holds {} of {} elements", c.len(), mats * m * n);
    // (A, B) offsets of every product, grouped by the C matrix they add into.
    let mut terms = Vec::with_capacity(mats * per_c);
    for t in 0..mats {
        let (a0, b0) = offsets(t, &kept, bt);
        for j in 0..per_c {
            let (a1, b1) = offsets(j, &summed, bt);
            terms.push((a0 + a1, b0 + b1));
        }
    }
    let (a_end, b_end) = terms.iter().fold((0, 0), |(x, y), &(ao, bo)| (x.max(ao + m * k), y.max(bo + k * n)));
    assert!(terms.is_empty() || (a.data.len() >= a_end && b.data.len() >= b_end), "matmul_batched: an operand is shorter than its strides reach");
    if mats > 0 {
        gemm_batched(a, b, &mut c[..mats * m * n], m, k, n, &terms, per_c, accumulate);
    }
}

/// A's and B's offsets of the `i`-th index (row-major) over the batch dimensions `dims`.
fn offsets(mut i: usize, dims: &[usize], bt: &Batch) -> (usize, usize) {
    let (mut oa, mut ob) = (0, 0);
    for &d in dims.iter().rev() {
        let x = i % bt.shape[d];
        i /= bt.shape[d];
        oa += x * bt.a[d];
        ob += x * bt.b[d];
    }
    (oa, ob)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    /// Row-major strides of `shape` times `unit`, with 0 on dimensions of size 1 that `full` stretches.
    fn strides(shape: &[usize], full: &[usize], unit: usize) -> Vec<usize> {
        let off = full.len() - shape.len();
        let mut s = vec![0; full.len()];
        let mut acc = unit;
        for d in (0..full.len()).rev() {
            if d >= off {
                s[d] = if shape[d - off] == 1 && full[d] != 1 { 0 } else { acc };
                acc *= shape[d - off];
            }
        }
        s
    }

    /// C[idx] (+)= Σ over everything C does not keep of op(A[idx])·op(B[idx]), in f64, one
    /// element at a time: the definition, with no grouping of terms.
    #[allow(clippy::too_many_arguments)]
    fn naive(a: &[f32], b: &[f32], c: &mut [f64], bt: &Batch, m: usize, k: usize, n: usize, ta: bool, tb: bool) {
        let total: usize = bt.shape.iter().product();
        for flat in 0..total {
            let (mut oa, mut ob, mut oc, mut i) = (0, 0, 0, flat);
            for d in (0..bt.shape.len()).rev() {
                let x = i % bt.shape[d];
                i /= bt.shape[d];
                (oa, ob, oc) = (oa + x * bt.a[d], ob + x * bt.b[d], oc + x * bt.c[d]);
            }
            for r in 0..m {
                for q in 0..n {
                    let mut s = 0.0f64;
                    for p in 0..k {
                        let av = if ta { a[oa + p * m + r] } else { a[oa + r * k + p] };
                        let bv = if tb { b[ob + q * k + p] } else { b[ob + p * n + q] };
                        s += av as f64 * bv as f64;
                    }
                    c[oc + r * n + q] += s;
                }
            }
        }
    }

    type Op = fn(&[f32], &[f32], &mut [f32], &Batch, usize, usize, usize, bool);
    const OPS: [(&str, Op, bool, bool); 3] =
        [("matmul_batched", matmul_batched, false, false), ("matmul_batched_nt", matmul_batched_nt, false, true), ("matmul_batched_tn", matmul_batched_tn, true, false)];

    /// (A's batch shape, B's batch shape, C's batch shape or None for the broadcast shape, m, k, n).
    /// C shapes with 1s or fewer dimensions sum over the broadcast: the backward's reductions.
    #[allow(clippy::type_complexity)]
    const CASES: &[(&[usize], &[usize], Option<&[usize]>, usize, usize, usize)] = &[
        (&[3], &[3], None, 4, 5, 6),
        (&[2, 3], &[2, 3], None, 7, 9, 5),
        (&[1], &[5], None, 3, 4, 2),
        (&[5], &[1], None, 3, 4, 2),
        (&[], &[4], None, 5, 3, 7),
        (&[2, 1, 3], &[4, 1], None, 2, 3, 2),
        (&[6], &[6], None, 65, 40, 9),
        (&[3], &[3], None, 20, 33, 70),
        (&[4, 2], &[4, 2], Some(&[1, 2]), 3, 5, 4),
        (&[4, 2], &[1], Some(&[2]), 6, 3, 5),
        (&[2, 3], &[2, 3], Some(&[]), 9, 4, 10),
        (&[0], &[0], None, 2, 3, 4),
        (&[0], &[1], Some(&[1]), 2, 3, 4),
        (&[3], &[3], None, 4, 0, 5),
    ];

    fn full(a: &[usize], b: &[usize]) -> Vec<usize> {
        let r = a.len().max(b.len());
        (0..r)
            .map(|d| {
                let x = if d + a.len() >= r { a[d + a.len() - r] } else { 1 };
                let y = if d + b.len() >= r { b[d + b.len() - r] } else { 1 };
                if x == 1 { y } else { x }
            })
            .collect()
    }

    #[test]
    fn broadcast_and_summed_batches_match_naive() {
        let mut rng = Lcg(5);
        for &(sa, sb, sc, m, k, n) in CASES {
            let shape = full(sa, sb);
            let sc = sc.unwrap_or(&shape);
            for (name, op, ta, tb) in OPS {
                let (na, nb, nc) = (sa.iter().product::<usize>() * m * k, sb.iter().product::<usize>() * k * n, sc.iter().product::<usize>() * m * n);
                let (a, b) = (rand_vec(&mut rng, na), rand_vec(&mut rng, nb));
                let bt = Batch { shape: &shape, a: &strides(sa, &shape, m * k), b: &strides(sb, &shape, k * n), c: &strides(sc, &shape, m * n) };
                for acc in [false, true] {
                    let base = if acc { rand_vec(&mut rng, nc) } else { vec![f32::NAN; nc] };
                    let mut want: Vec<f64> = if acc { base.iter().map(|&v| v as f64).collect() } else { vec![0.0; nc] };
                    naive(&a, &b, &mut want, &bt, m, k, n, ta, tb);
                    let mut got = base.clone();
                    op(&a, &b, &mut got, &bt, m, k, n, acc);
                    let want: Vec<f32> = want.into_iter().map(|v| v as f32).collect();
                    let what = format!("{name} {sa:?}·{sb:?}→{sc:?} {m}x{k}x{n} acc={acc}");
                    assert_close(&got, &want, 1e-6 * (k * 8).max(10) as f32, &what);
                }
            }
        }
    }

    /// On 2 or 3 threads a batched product is the same bits as on one, for batches of small
    /// matrices (cut over matrices), few large ones (cut over rows) and summed batches.
    #[test]
    fn threaded_batches_are_bit_identical_to_one_thread() {
        use crate::kernels::par::with_host_threads;
        let mut rng = Lcg(13);
        #[allow(clippy::type_complexity)]
        let cases: &[(&[usize], &[usize], Option<&[usize]>, usize, usize, usize)] = &[
            (&[64], &[64], None, 16, 16, 16),
            (&[2, 8], &[2, 8], None, 64, 64, 64),
            (&[2], &[2], None, 130, 70, 66),
            (&[3], &[1], None, 100, 64, 10),
            (&[16, 4], &[16, 4], Some(&[1, 4]), 24, 40, 24),
            (&[16], &[1], Some(&[1]), 40, 64, 40),
        ];
        for &(sa, sb, sc, m, k, n) in cases {
            let shape = full(sa, sb);
            let sc = sc.unwrap_or(&shape);
            for (name, op, _, _) in OPS {
                let (na, nb, nc) = (sa.iter().product::<usize>() * m * k, sb.iter().product::<usize>() * k * n, sc.iter().product::<usize>() * m * n);
                let (a, b, base) = (rand_vec(&mut rng, na), rand_vec(&mut rng, nb), rand_vec(&mut rng, nc));
                let bt = Batch { shape: &shape, a: &strides(sa, &shape, m * k), b: &strides(sb, &shape, k * n), c: &strides(sc, &shape, m * n) };
                for acc in [false, true] {
                    let mut one = base.clone();
                    op(&a, &b, &mut one, &bt, m, k, n, acc);
                    for t in [2, 3] {
                        let mut many = base.clone();
                        with_host_threads(t, || op(&a, &b, &mut many, &bt, m, k, n, acc));
                        let same = one.iter().zip(&many).all(|(p, q)| p.to_bits() == q.to_bits());
                        assert!(same, "{name} {sa:?}·{sb:?}→{sc:?} {m}x{k}x{n} acc={acc} on {t} threads differs from 1 thread");
                    }
                }
            }
        }
    }
}
