//! Pairwise squared Euclidean distances and the selections built on them (nearest centre,
//! k nearest neighbours), shared by k-means, kNN, DBSCAN and agglomerative clustering.

use super::matmul::matmul_nt;

/// Below this many multiply-adds (n·m·d) `sq_dist` uses the direct Σ(a−b)² loop.
///
/// Why two paths: the expansion ‖a‖² + ‖b‖² − 2a·b does one multiply-add per feature and pair
/// (the direct form also subtracts) and runs on the GEMM, so it gains from every improvement of
/// the matmul kernel. But it cancels: when two points are close compared with their norms, the f32
/// result loses digits and can come out slightly negative (hence the clamp). Small calls cost
/// microseconds either way, so they take the exact form; 2^15 is a size where that cost is still
/// negligible, not a measured crossover (see the benchmark suite for speed comparisons).
pub const GEMM_MIN_WORK: usize = 1 << 15;

/// Squared L2 norm of each of the n rows of a [n×d].
pub fn row_norms(a: &[f32], n: usize, d: usize, out: &mut [f32]) {
    assert!(a.len() >= n * d && out.len() >= n, "row_norms: buffers too small");
    for i in 0..n {
        let r = &a[i * d..(i + 1) * d];
        out[i] = super::matmul::dot(r, r);
    }
}

/// Direct Σ(a−b)² with eight partial sums (the same lane layout as `dot`, so it vectorises).
fn sq_dist_pair(x: &[f32], y: &[f32]) -> f32 {
    let n = x.len();
    let chunks = n / 8;
    let mut acc = [0f32; 8];
    for c in 0..chunks {
        let xs = &x[c * 8..c * 8 + 8];
        let ys = &y[c * 8..c * 8 + 8];
        for l in 0..8 {
            let t = xs[l] - ys[l];
            acc[l] += t * t;
        }
    }
    let mut s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for t in chunks * 8..n {
        let v = x[t] - y[t];
        s += v * v;
    }
    s
}

/// out[i·m + j] = ‖a_i − b_j‖² for a [n×d], b [m×d]; never negative. Picks the path by size.
pub fn sq_dist(a: &[f32], b: &[f32], out: &mut [f32], n: usize, m: usize, d: usize) {
    if n * m * d < GEMM_MIN_WORK {
        sq_dist_direct(a, b, out, n, m, d)
    } else {
        sq_dist_gemm(a, b, out, n, m, d)
    }
}

/// Σ(a−b)² per pair: no cancellation, so exact to f32 rounding even for near-identical points.
pub fn sq_dist_direct(a: &[f32], b: &[f32], out: &mut [f32], n: usize, m: usize, d: usize) {
    assert!(a.len() >= n * d && b.len() >= m * d && out.len() >= n * m, "sq_dist: buffers too small");
    for i in 0..n {
        let ar = &a[i * d..(i + 1) * d];
        for j in 0..m {
            out[i * m + j] = sq_dist_pair(ar, &b[j * d..(j + 1) * d]);
        }
    }
}

/// ‖a‖² + ‖b‖² − 2a·bᵀ on the GEMM, clamped at 0.
pub fn sq_dist_gemm(a: &[f32], b: &[f32], out: &mut [f32], n: usize, m: usize, d: usize) {
    assert!(a.len() >= n * d && b.len() >= m * d && out.len() >= n * m, "sq_dist: buffers too small");
    let mut na = vec![0f32; n];
    let mut nb = vec![0f32; m];
    row_norms(a, n, d, &mut na);
    row_norms(b, m, d, &mut nb);
    matmul_nt(a, b, out, n, d, m, false);
    for i in 0..n {
        let row = &mut out[i * m..(i + 1) * m];
        for (o, nbj) in row.iter_mut().zip(&nb) {
            // Cancellation can leave a tiny negative for (near-)identical points.
            *o = (na[i] + nbj - 2.0 * *o).max(0.0);
        }
    }
}

/// For each row of x [rows×cols]: index of the smallest value (ties → lower index, NaN never
/// wins over a number) into idx, and that value into min.
pub fn argmin_rows(x: &[f32], idx: &mut [u32], min: &mut [f32], rows: usize, cols: usize) {
    assert!(cols > 0, "argmin_rows: 0 columns");
    assert!(x.len() >= rows * cols && idx.len() >= rows && min.len() >= rows, "argmin_rows: buffers too small");
    for i in 0..rows {
        let row = &x[i * cols..(i + 1) * cols];
        let mut best = 0usize;
        for j in 1..cols {
            if row[j] < row[best] || (row[best].is_nan() && !row[j].is_nan()) {
                best = j;
            }
        }
        idx[i] = best as u32;
        min[i] = row[best];
    }
}

/// Per-label sums of the rows of x [n×d] into sums [k×d] and row counts into counts [k]
/// (both overwritten): the M-step of k-means. Counts are f32 so they live in the same heap.
pub fn center_sums(x: &[f32], labels: &[u32], sums: &mut [f32], counts: &mut [f32], n: usize, k: usize, d: usize) {
    assert!(x.len() >= n * d && labels.len() >= n && sums.len() >= k * d && counts.len() >= k, "center_sums: buffers too small");
    sums[..k * d].fill(0.0);
    counts[..k].fill(0.0);
    for i in 0..n {
        let c = labels[i] as usize;
        assert!(c < k, "center_sums: label {c} at row {i} is not below k = {k}");
        counts[c] += 1.0;
        for (s, v) in sums[c * d..(c + 1) * d].iter_mut().zip(&x[i * d..(i + 1) * d]) {
            *s += v;
        }
    }
}

/// The k smallest of each row of dist [n×m], in ascending order, into out_idx [n×k].
///
/// Equal distances keep the lower column first (scikit-learn's brute force sorts with a stable
/// argsort after partitioning, which also prefers the lower index in practice). A row is scanned
/// once with a sorted buffer of k: O(m·k) worst case, O(m) when few candidates beat the k-th,
/// which is the common case for kNN (k ≈ 5, m in the thousands).
pub fn knn_select(dist: &[f32], n: usize, m: usize, k: usize, out_idx: &mut [u32]) {
    assert!(k >= 1 && k <= m, "knn_select: k = {k} must be in 1..={m}");
    assert!(dist.len() >= n * m && out_idx.len() >= n * k, "knn_select: buffers too small");
    let mut bd = vec![0f32; k];
    for i in 0..n {
        let row = &dist[i * m..(i + 1) * m];
        let bi = &mut out_idx[i * k..(i + 1) * k];
        let mut len = 0usize;
        for (j, &v) in row.iter().enumerate() {
            // NaN sorts last: it only enters while the buffer is not yet full.
            if len == k && !(v < bd[k - 1]) {
                continue;
            }
            // Insert after every entry <= v so equal distances keep scan (= index) order.
            let mut p = if len < k { len } else { k - 1 };
            while p > 0 && (v < bd[p - 1] || (bd[p - 1].is_nan() && !v.is_nan())) {
                if p < k {
                    bd[p] = bd[p - 1];
                    bi[p] = bi[p - 1];
                }
                p -= 1;
            }
            bd[p] = v;
            bi[p] = j as u32;
            if len < k {
                len += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    fn naive(a: &[f32], b: &[f32], n: usize, m: usize, d: usize) -> Vec<f32> {
        let mut out = vec![0f32; n * m];
        for i in 0..n {
            for j in 0..m {
                let mut s = 0f64;
                for t in 0..d {
                    let v = a[i * d + t] as f64 - b[j * d + t] as f64;
                    s += v * v;
                }
                out[i * m + j] = s as f32;
            }
        }
        out
    }

    #[test]
    fn sq_dist_matches_naive_both_paths() {
        let mut rng = Lcg(7);
        // 1x1, odd sizes, d not a multiple of 8, and sizes on both sides of GEMM_MIN_WORK.
        for &(n, m, d) in &[(1, 1, 1), (1, 1, 9), (3, 5, 7), (17, 13, 1), (33, 31, 33), (64, 70, 13), (41, 129, 17), (7, 3, 64)] {
            let a = rand_vec(&mut rng, n * d);
            let b = rand_vec(&mut rng, m * d);
            let mut out = vec![-1f32; n * m];
            sq_dist(&a, &b, &mut out, n, m, d);
            assert_close(&out, &naive(&a, &b, n, m, d), 1e-4, &format!("sq_dist {n}x{m}x{d}"));
        }
    }

    #[test]
    fn direct_and_gemm_agree_with_naive_at_any_size() {
        let mut rng = Lcg(21);
        for &(n, m, d) in &[(1, 1, 1), (5, 3, 11), (2, 9, 8)] {
            let a = rand_vec(&mut rng, n * d);
            let b = rand_vec(&mut rng, m * d);
            let want = naive(&a, &b, n, m, d);
            let mut out = vec![-1f32; n * m];
            sq_dist_direct(&a, &b, &mut out, n, m, d);
            assert_close(&out, &want, 1e-5, "direct");
            sq_dist_gemm(&a, &b, &mut out, n, m, d);
            assert_close(&out, &want, 1e-4, "gemm");
        }
    }

    #[test]
    fn center_sums_matches_naive() {
        let mut rng = Lcg(13);
        let (n, k, d) = (23, 4, 5);
        let x = rand_vec(&mut rng, n * d);
        let labels: Vec<u32> = (0..n).map(|i| ((i * 7) % 3) as u32).collect(); // cluster 3 stays empty
        let mut sums = vec![9f32; k * d];
        let mut counts = vec![9f32; k];
        center_sums(&x, &labels, &mut sums, &mut counts, n, k, d);
        for c in 0..k {
            let rows: Vec<usize> = (0..n).filter(|&i| labels[i] as usize == c).collect();
            assert_eq!(counts[c], rows.len() as f32);
            let want: Vec<f32> = (0..d).map(|t| rows.iter().map(|&i| x[i * d + t]).sum()).collect();
            assert_close(&sums[c * d..(c + 1) * d], &want, 1e-5, "center_sums");
        }
    }

    #[test]
    fn gemm_path_never_negative_for_identical_rows() {
        let mut rng = Lcg(3);
        let (n, d) = (64, 33);
        assert!(n * n * d >= GEMM_MIN_WORK);
        // Large offsets make the expansion cancel badly for identical points.
        let a: Vec<f32> = rand_vec(&mut rng, n * d).iter().map(|v| v * 100.0 + 1000.0).collect();
        let mut out = vec![0f32; n * n];
        sq_dist(&a, &a, &mut out, n, n, d);
        assert!(out.iter().all(|&v| v >= 0.0));
        for i in 0..n {
            // Relative to ‖a‖² (≈ 3e7) the diagonal is zero to f32 precision.
            assert!(out[i * n + i] <= 1e-5 * 3.3e7, "diag {i}: {}", out[i * n + i]);
        }
    }

    #[test]
    fn row_norms_matches_naive() {
        let mut rng = Lcg(11);
        for &(n, d) in &[(1, 1), (5, 9), (3, 17)] {
            let a = rand_vec(&mut rng, n * d);
            let mut out = vec![0f32; n];
            row_norms(&a, n, d, &mut out);
            let want: Vec<f32> = (0..n).map(|i| a[i * d..(i + 1) * d].iter().map(|v| v * v).sum()).collect();
            assert_close(&out, &want, 1e-5, "row_norms");
        }
    }

    #[test]
    fn argmin_rows_lowest_index_on_ties() {
        let d = [3.0, 1.0, 1.0, 2.0, /* row 2 */ 5.0, 5.0, 5.0, 5.0, /* row 3 */ f32::NAN, 4.0, 2.0, 2.0];
        let mut out = [9u32; 3];
        let mut mins = [0f32; 3];
        argmin_rows(&d, &mut out, &mut mins, 3, 4);
        assert_eq!(out, [1, 0, 2]);
        assert_eq!(mins, [1.0, 5.0, 2.0]);
        let mut one = [9u32; 1];
        argmin_rows(&[0.5], &mut one, &mut mins, 1, 1);
        assert_eq!(one, [0]);
        // Random rows against a naive scan.
        let mut rng = Lcg(5);
        let (n, m) = (13, 29);
        let v: Vec<f32> = rand_vec(&mut rng, n * m).iter().map(|x| (x * 4.0).round()).collect();
        let mut got = vec![0u32; n];
        let mut mins = vec![0f32; n];
        argmin_rows(&v, &mut got, &mut mins, n, m);
        for i in 0..n {
            let row = &v[i * m..(i + 1) * m];
            let mut best = 0;
            for j in 0..m {
                if row[j] < row[best] {
                    best = j;
                }
            }
            assert_eq!(got[i] as usize, best, "row {i}");
            assert_eq!(mins[i], row[best]);
        }
    }

    fn naive_knn(row: &[f32], k: usize) -> Vec<u32> {
        let mut idx: Vec<u32> = (0..row.len() as u32).collect();
        idx.sort_by(|&x, &y| row[x as usize].partial_cmp(&row[y as usize]).unwrap().then(x.cmp(&y)));
        idx.truncate(k);
        idx
    }

    #[test]
    fn knn_select_matches_stable_sort_with_ties() {
        let mut rng = Lcg(9);
        for &(n, m, k) in &[(1, 1, 1), (3, 7, 7), (5, 31, 5), (4, 100, 1), (2, 17, 16)] {
            // Rounded values make many ties, which must resolve to the lower index.
            let v: Vec<f32> = rand_vec(&mut rng, n * m).iter().map(|x| (x * 3.0).round().abs()).collect();
            let mut got = vec![0u32; n * k];
            knn_select(&v, n, m, k, &mut got);
            for i in 0..n {
                assert_eq!(&got[i * k..(i + 1) * k], &naive_knn(&v[i * m..(i + 1) * m], k)[..], "n={n} m={m} k={k} row {i}");
            }
        }
    }

    #[test]
    fn knn_select_all_equal_keeps_first_k() {
        let v = [2.0f32; 6];
        let mut got = [0u32; 3];
        knn_select(&v, 1, 6, 3, &mut got);
        assert_eq!(got, [0, 1, 2]);
    }

    #[test]
    #[should_panic(expected = "knn_select: k = 4")]
    fn knn_select_rejects_k_above_m() {
        let mut got = [0u32; 4];
        knn_select(&[1.0, 2.0, 3.0], 1, 3, 4, &mut got);
    }
}
