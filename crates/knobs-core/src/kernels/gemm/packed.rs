//! One B for many products: the recurrent weight W_hh is the right operand of every time step's
//! h·W_hhᵀ (and of backward's dG·W_hh), with a new A each step. `gemm` packs B into strips on
//! every call, which for one batch of rows is as many memory moves as the product has
//! multiply-adds per row of A; `PackedB` packs it once per sequence and `gemm_packed` reads the
//! strips from there, on every thread of the pool (read-only, so shared), with the same blocking
//! and kernels as `gemm`, hence the same bits.

use super::{b_block_len, gemm_with, pack_b_block, path_of, Mat, Path, Quad, KC, NC};

/// B (a k×n view) ready for products with A of `m` rows. Shapes whose path does not pack B
/// (fewer rows than a tile; few columns and many rows) keep the view and multiply as `gemm`.
pub struct PackedB<'a> {
    b: Mat<'a>,
    k: usize,
    n: usize,
    m: usize,
    strips: Option<Vec<Quad>>,
}

impl<'a> PackedB<'a> {
    pub fn new(b: Mat<'a>, m: usize, k: usize, n: usize) -> Self {
        let strips = matches!(path_of(m, k, n, b), Path::Pre | Path::Plain).then(|| {
            let len: usize = (0..n).step_by(NC).map(|jc| (0..k).step_by(KC).map(|pc| b_block_len(NC.min(n - jc), KC.min(k - pc))).sum::<usize>()).sum();
            let mut all = vec![Quad::default(); len];
            let mut off = 0;
            for jc in (0..n).step_by(NC) {
                let nc = NC.min(n - jc);
                for pc in (0..k).step_by(KC) {
                    let kc = KC.min(k - pc);
                    pack_b_block(b, jc, nc, pc, kc, &mut all[off..]);
                    off += b_block_len(nc, kc);
                }
            }
            all
        });
        PackedB { b, k, n, m, strips }
    }
}

/// C[m×n] (+)= A·B for the `m` rows B was packed for: `gemm`'s result, bit for bit.
pub fn gemm_packed(a: Mat, b: &PackedB, c: &mut [f32], accumulate: bool) {
    gemm_with(a, b.b, b.strips.as_deref(), None, c, b.m, b.k, b.n, accumulate);
}

#[cfg(test)]
mod tests {
    use super::super::gemm;
    use super::*;
    use crate::kernels::testutil::{rand_vec, Lcg};

    /// Every path (packed, unpacked rows, swapped), several KC and NC blocks, both B layouts,
    /// on one thread and split over four: the same bits as `gemm`.
    #[test]
    fn packed_b_gives_gemms_bits() {
        let mut rng = Lcg(29);
        for &(m, k, n) in &[(32, 128, 512), (16, 600, 1100), (5, 7, 9), (2, 300, 70), (80, 40, 12), (64, 257, 64), (3, 5, 2)] {
            let a = rand_vec(&mut rng, m * k);
            let bd = rand_vec(&mut rng, k * n);
            let c0 = rand_vec(&mut rng, m * n);
            for (b, layout) in [(Mat { data: &bd, rs: n, cs: 1 }, "B"), (Mat { data: &bd, rs: 1, cs: k }, "Bᵀ")] {
                let am = Mat { data: &a, rs: k, cs: 1 };
                let packed = PackedB::new(b, m, k, n);
                for accumulate in [false, true] {
                    for threads in [1, 4] {
                        let (mut want, mut got) = (c0.clone(), c0.clone());
                        crate::kernels::par::with_host_threads(threads, || {
                            gemm(am, b, &mut want, m, k, n, accumulate);
                            gemm_packed(am, &packed, &mut got, accumulate);
                        });
                        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&got), bits(&want), "{m}x{k}x{n} {layout} accumulate={accumulate} threads={threads}");
                    }
                }
            }
        }
    }
}
