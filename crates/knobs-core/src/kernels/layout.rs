//! Strided copies behind the rank-N layout ops (permute, slice, cat and their gradients).
//!
//! Every op is one of two moves between a source and a destination that are each "offset +
//! Σ idx·stride" over a common index space `shape` (rank ≤ `MAX_RANK`, strides in elements):
//! `copy_strided` (dst = src) and `add_strided` (dst += src, the scatter-add of a gradient into
//! an existing one). The TS side works out offsets and strides; these loops only walk indices.
//!
//! Before walking, axes of length 1 are dropped and neighbouring axes that are contiguous in both
//! views are merged, so a slice along axis 0 or a cat becomes a few long runs, and the inner loop
//! is a plain `copy_from_slice` whenever both views have stride 1 there.
use super::broadcast::MAX_RANK;

/// Shape and strides after dropping unit axes and merging axes that are contiguous in both views.
struct Plan {
    rank: usize,
    shape: [usize; MAX_RANK],
    ss: [usize; MAX_RANK],
    sd: [usize; MAX_RANK],
}

fn plan(shape: &[usize], ss: &[usize], sd: &[usize]) -> Plan {
    assert!(shape.len() <= MAX_RANK && ss.len() == shape.len() && sd.len() == shape.len(), "layout: rank above {MAX_RANK} or strides of the wrong length");
    let mut p = Plan { rank: 0, shape: [1; MAX_RANK], ss: [0; MAX_RANK], sd: [0; MAX_RANK] };
    for ax in 0..shape.len() {
        let n = shape[ax];
        if n == 1 {
            continue;
        }
        // Merge into the previous axis when stepping it once equals stepping this one n times.
        if p.rank > 0 {
            let r = p.rank - 1;
            if p.ss[r] == ss[ax] * n && p.sd[r] == sd[ax] * n {
                p.shape[r] *= n;
                p.ss[r] = ss[ax];
                p.sd[r] = sd[ax];
                continue;
            }
        }
        p.shape[p.rank] = n;
        p.ss[p.rank] = ss[ax];
        p.sd[p.rank] = sd[ax];
        p.rank += 1;
    }
    p
}

/// Side of the square blocks a transposing walk goes through (32×32 f32 = 4 KiB per side).
const TILE: usize = 32;

/// Calls `run(src_start, dst_start, len, src_step, dst_step)` once per run of the innermost axis.
///
/// When that axis is strided on one side but another axis `j` is contiguous there (a transpose),
/// going row by row would touch a new cache line per element on that side; instead axes `j` and
/// the innermost one are walked in TILE×TILE blocks, whose lines stay in L1 while the block is
/// done. Permute of [64,128,256], best of 20 on a busy shared machine, untiled → tiled: host
/// [2,0,1] 37 → 2.7 ms, [2,1,0] 46 → 2.6 ms, [0,2,1] 2.9 → 1.8 ms; wasm (SIMD128 build) tiled
/// [2,0,1] ~3 ms, [2,1,0] ~2.7 ms, [0,2,1] ~2.5 ms; a plain copy is 0.6 ms on both.
fn walk(shape: &[usize], src_off: usize, ss: &[usize], dst_off: usize, sd: &[usize], mut run: impl FnMut(usize, usize, usize, usize, usize)) {
    if shape.contains(&0) {
        return;
    }
    let p = plan(shape, ss, sd);
    if p.rank == 0 {
        run(src_off, dst_off, 1, 1, 1);
        return;
    }
    let last = p.rank - 1;
    let (nl, sl, dl) = (p.shape[last], p.ss[last], p.sd[last]);
    let tile = if (sl != 1 || dl != 1) && nl >= TILE {
        (0..last).rev().find(|&j| p.shape[j] >= TILE && ((sl != 1 && p.ss[j] == 1) || (dl != 1 && p.sd[j] == 1)))
    } else {
        None
    };
    let mut outer = Plan { rank: 0, shape: [1; MAX_RANK], ss: [0; MAX_RANK], sd: [0; MAX_RANK] };
    for ax in (0..last).filter(|&ax| Some(ax) != tile) {
        outer.shape[outer.rank] = p.shape[ax];
        outer.ss[outer.rank] = p.ss[ax];
        outer.sd[outer.rank] = p.sd[ax];
        outer.rank += 1;
    }
    match tile {
        None => odometer(&outer, src_off, dst_off, |os, od| run(os, od, nl, sl, dl)),
        Some(j) => {
            let (nj, sj, dj) = (p.shape[j], p.ss[j], p.sd[j]);
            odometer(&outer, src_off, dst_off, |os, od| {
                for jb in (0..nj).step_by(TILE) {
                    for lb in (0..nl).step_by(TILE) {
                        let len = TILE.min(nl - lb);
                        for a in jb..(jb + TILE).min(nj) {
                            run(os + a * sj + lb * sl, od + a * dj + lb * dl, len, sl, dl);
                        }
                    }
                }
            })
        }
    }
}

/// Calls `body(src, dst)` with the offsets of every index of `p`, row-major.
fn odometer(p: &Plan, src_off: usize, dst_off: usize, mut body: impl FnMut(usize, usize)) {
    let mut idx = [0usize; MAX_RANK];
    let (mut os, mut od) = (src_off, dst_off);
    loop {
        body(os, od);
        let mut ax = p.rank;
        loop {
            if ax == 0 {
                return;
            }
            ax -= 1;
            idx[ax] += 1;
            os += p.ss[ax];
            od += p.sd[ax];
            if idx[ax] < p.shape[ax] {
                break;
            }
            os -= p.ss[ax] * p.shape[ax];
            od -= p.sd[ax] * p.shape[ax];
            idx[ax] = 0;
        }
    }
}

/// The index ranges a run of `n` steps covers on each side, checked against the buffers once, so
/// the stepping iterators need no per-element bounds checks (a view outside a buffer panics here).
fn runs(src_len: usize, s: usize, is: usize, dst_len: usize, d: usize, id: usize, n: usize) -> (core::ops::Range<usize>, core::ops::Range<usize>) {
    let (s_end, d_end) = (s + (n - 1) * is + 1, d + (n - 1) * id + 1);
    assert!(s_end <= src_len && d_end <= dst_len, "layout: strided view runs past its buffer");
    (s..s_end, d..d_end)
}

/// dst[dst_off + idx·sd] = src[src_off + idx·ss] for every idx of `shape`.
/// The destination positions must be distinct (no zero strides on axes longer than 1).
pub fn copy_strided(src: &[f32], src_off: usize, ss: &[usize], dst: &mut [f32], dst_off: usize, sd: &[usize], shape: &[usize]) {
    walk(shape, src_off, ss, dst_off, sd, |s, d, n, is, id| {
        if is == 1 && id == 1 {
            dst[d..d + n].copy_from_slice(&src[s..s + n]);
        } else if id == 0 {
            dst[d] = src[s + (n - 1) * is];
        } else {
            let (sr, dr) = runs(src.len(), s, is, dst.len(), d, id, n);
            if is == 0 {
                let v = src[s];
                dst[dr].iter_mut().step_by(id).for_each(|o| *o = v);
            } else {
                for (o, v) in dst[dr].iter_mut().step_by(id).zip(src[sr].iter().step_by(is)) {
                    *o = *v;
                }
            }
        }
    });
}

/// dst[dst_off + idx·sd] += src[src_off + idx·ss] for every idx of `shape` (a zero destination
/// stride sums those elements into one place).
pub fn add_strided(src: &[f32], src_off: usize, ss: &[usize], dst: &mut [f32], dst_off: usize, sd: &[usize], shape: &[usize]) {
    walk(shape, src_off, ss, dst_off, sd, |s, d, n, is, id| {
        if is == 1 && id == 1 {
            for (o, v) in dst[d..d + n].iter_mut().zip(&src[s..s + n]) {
                *o += v;
            }
        } else if id == 0 {
            dst[d] += (0..n).map(|t| src[s + t * is]).sum::<f32>();
        } else {
            let (sr, dr) = runs(src.len(), s, is, dst.len(), d, id, n);
            if is == 0 {
                let v = src[s];
                dst[dr].iter_mut().step_by(id).for_each(|o| *o += v);
            } else {
                for (o, v) in dst[dr].iter_mut().step_by(id).zip(src[sr].iter().step_by(is)) {
                    *o += *v;
                }
            }
        }
    });
}

/// Row-major strides of `shape`.
pub fn contiguous_strides(shape: &[usize]) -> [usize; MAX_RANK] {
    let mut s = [0usize; MAX_RANK];
    let mut acc = 1;
    for ax in (0..shape.len()).rev() {
        s[ax] = acc;
        acc *= shape[ax];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{rand_vec, Lcg};

    /// The obvious definition: decode every flat index of `shape` into coordinates.
    #[allow(clippy::too_many_arguments)]
    fn naive(src: &[f32], so: usize, ss: &[usize], dst: &mut [f32], d0: usize, sd: &[usize], shape: &[usize], add: bool) {
        let total: usize = shape.iter().product();
        for flat in 0..total {
            let (mut rest, mut is, mut id) = (flat, so, d0);
            for ax in (0..shape.len()).rev() {
                let c = rest % shape[ax];
                rest /= shape[ax];
                is += c * ss[ax];
                id += c * sd[ax];
            }
            if add {
                dst[id] += src[is];
            } else {
                dst[id] = src[is];
            }
        }
    }

    fn permuted(shape: &[usize], perm: &[usize]) -> (Vec<usize>, Vec<usize>) {
        let st = contiguous_strides(shape);
        (perm.iter().map(|&p| shape[p]).collect(), perm.iter().map(|&p| st[p]).collect())
    }

    #[test]
    fn permutations_up_to_rank_6_match_naive() {
        let mut rng = Lcg(7);
        let cases: &[(&[usize], &[usize])] = &[
            (&[3, 4], &[1, 0]),
            (&[2, 3, 4], &[2, 0, 1]),
            (&[2, 3, 4], &[0, 2, 1]),
            (&[2, 1, 3, 4], &[3, 1, 0, 2]),
            (&[2, 3, 1, 2, 3], &[4, 3, 2, 1, 0]),
            (&[2, 3, 2, 2, 3, 2], &[5, 0, 4, 1, 3, 2]),
            (&[2, 3, 2, 2, 3, 2], &[0, 1, 2, 3, 4, 5]),
        ];
        for (shape, perm) in cases {
            let n: usize = shape.iter().product();
            let src = rand_vec(&mut rng, n);
            let (oshape, ss) = permuted(shape, perm);
            let sd = contiguous_strides(&oshape);
            let mut got = vec![0.0; n];
            let mut want = vec![0.0; n];
            copy_strided(&src, 0, &ss, &mut got, 0, &sd[..oshape.len()], &oshape);
            naive(&src, 0, &ss, &mut want, 0, &sd[..oshape.len()], &oshape, false);
            assert_eq!(got, want, "permute {shape:?} by {perm:?}");
        }
    }

    #[test]
    fn transposes_big_enough_to_be_tiled_match_naive_both_ways() {
        // Axes of 45 and 70 are not multiples of TILE: the last blocks are partial.
        let shape = [3usize, 45, 70];
        let n: usize = shape.iter().product();
        let src = rand_vec(&mut Lcg(5), n);
        for perm in [[0usize, 2, 1], [2, 1, 0], [1, 2, 0], [2, 0, 1]] {
            let (oshape, ss) = permuted(&shape, &perm);
            let sd = contiguous_strides(&oshape);
            let (mut got, mut want) = (vec![0.0; n], vec![0.0; n]);
            copy_strided(&src, 0, &ss, &mut got, 0, &sd[..3], &oshape);
            naive(&src, 0, &ss, &mut want, 0, &sd[..3], &oshape, false);
            assert_eq!(got, want, "permute by {perm:?}");
            // The gradient direction: contiguous reads, strided writes.
            let (mut back, mut wback) = (vec![0.5; n], vec![0.5; n]);
            add_strided(&got, 0, &sd[..3], &mut back, 0, &ss, &oshape);
            naive(&got, 0, &sd[..3], &mut wback, 0, &ss, &oshape, true);
            assert_eq!(back, wback, "add back by {perm:?}");
        }
    }

    #[test]
    fn slices_with_offsets_and_steps_and_their_scatter_add() {
        // x [4,5,6]; x[1:4:2, :, 1:6:2] → [2,5,3]
        let mut rng = Lcg(11);
        let src = rand_vec(&mut rng, 120);
        let shape = [2, 5, 3];
        let ss = [2 * 30, 6, 2];
        let off = 30 + 1;
        let mut got = vec![0.0; 30];
        let mut want = vec![0.0; 30];
        copy_strided(&src, off, &ss, &mut got, 0, &contiguous_strides(&shape)[..3], &shape);
        naive(&src, off, &ss, &mut want, 0, &contiguous_strides(&shape)[..3], &shape, false);
        assert_eq!(got, want);
        assert_eq!(got[0], src[31]);
        // The gradient goes back to the same places, added to what is there.
        let base = rand_vec(&mut rng, 120);
        let (mut g1, mut g2) = (base.clone(), base.clone());
        add_strided(&got, 0, &contiguous_strides(&shape)[..3], &mut g1, off, &ss, &shape);
        naive(&got, 0, &contiguous_strides(&shape)[..3], &mut g2, off, &ss, &shape, true);
        assert_eq!(g1, g2);
        assert_ne!(g1, base);
    }

    #[test]
    fn cat_along_a_middle_axis_writes_each_part_at_its_offset() {
        // a [2,1,3] and b [2,2,3] along axis 1 → [2,3,3]
        let a: Vec<f32> = (0..6).map(|v| v as f32).collect();
        let b: Vec<f32> = (100..112).map(|v| v as f32).collect();
        let mut out = vec![-1.0; 18];
        let so = [9, 3, 1];
        copy_strided(&a, 0, &[3, 3, 1], &mut out, 0, &so, &[2, 1, 3]);
        copy_strided(&b, 0, &[6, 3, 1], &mut out, 3, &so, &[2, 2, 3]);
        let want = [0., 1., 2., 100., 101., 102., 103., 104., 105., 3., 4., 5., 106., 107., 108., 109., 110., 111.];
        assert_eq!(out, want);
    }

    #[test]
    fn broadcast_and_reduce_via_zero_strides() {
        let src = [1.0, 2.0, 3.0];
        let mut out = [0.0; 6];
        copy_strided(&src, 0, &[0, 1], &mut out, 0, &[3, 1], &[2, 3]);
        assert_eq!(out, [1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
        let mut col = [0.0; 2];
        add_strided(&out, 0, &[3, 1], &mut col, 0, &[1, 0], &[2, 3]);
        assert_eq!(col, [6.0, 6.0]);
        // Stride 0 on the innermost axis: a column stretched along rows, and summed back.
        let c = [1.0, 2.0];
        let mut wide = [0.0; 8];
        copy_strided(&c, 0, &[1, 0], &mut wide, 0, &[4, 1], &[2, 4]);
        assert_eq!(wide, [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]);
        let mut back = [10.0, 20.0];
        add_strided(&wide, 0, &[4, 1], &mut back, 0, &[1, 0], &[2, 4]);
        assert_eq!(back, [14.0, 28.0]);
        // A strided destination fed from one source element on every step.
        let mut every_other = [0.0; 6];
        copy_strided(&c, 1, &[0], &mut every_other, 1, &[2], &[3]);
        assert_eq!(every_other, [0.0, 2.0, 0.0, 2.0, 0.0, 2.0]);
        add_strided(&c, 0, &[0], &mut every_other, 0, &[2], &[3]);
        assert_eq!(every_other, [1.0, 2.0, 1.0, 2.0, 1.0, 2.0]);
    }

    #[test]
    fn random_strided_views_match_naive() {
        let mut rng = Lcg(3);
        let mut pick = |n: usize| ((rng.next_f32() + 1.0) * 0.5 * n as f32) as usize % n;
        for _ in 0..500 {
            let rank = 1 + pick(6);
            let shape: Vec<usize> = (0..rank).map(|_| 1 + pick(4)).collect();
            // Source: a random step per axis over a bigger buffer, at a random offset.
            let steps: Vec<usize> = (0..rank).map(|_| 1 + pick(3)).collect();
            let big: Vec<usize> = shape.iter().zip(&steps).map(|(n, s)| (n - 1) * s + 1 + pick(2)).collect();
            let bst = contiguous_strides(&big);
            // Some axes broadcast (stride 0): read again in the copy, summed in the add.
            let ss: Vec<usize> = (0..rank).map(|i| if pick(4) == 0 { 0 } else { bst[i] * steps[i] }).collect();
            let blen: usize = big.iter().product::<usize>() + 5;
            let off = pick(5);
            let src: Vec<f32> = (0..blen).map(|v| v as f32).collect();
            // Destination: a random permutation of a contiguous layout.
            let mut perm: Vec<usize> = (0..rank).collect();
            for i in (1..rank).rev() {
                perm.swap(i, pick(i + 1));
            }
            let pshape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
            let pst = contiguous_strides(&pshape);
            let mut sd = vec![0; rank];
            for (j, &p) in perm.iter().enumerate() {
                sd[p] = pst[j];
            }
            let n: usize = shape.iter().product();
            let (mut got, mut want) = (vec![0.0; n], vec![0.0; n]);
            copy_strided(&src, off, &ss, &mut got, 0, &sd, &shape);
            naive(&src, off, &ss, &mut want, 0, &sd, &shape, false);
            assert_eq!(got, want, "shape {shape:?} ss {ss:?} sd {sd:?}");
            let (mut ag, mut aw) = (vec![1.0; blen], vec![1.0; blen]);
            add_strided(&got, 0, &sd, &mut ag, off, &ss, &shape);
            naive(&got, 0, &sd, &mut aw, off, &ss, &shape, true);
            assert_eq!(ag, aw);
        }
    }

    #[test]
    fn empty_and_scalar_shapes() {
        let src = [5.0];
        let mut out = [0.0];
        copy_strided(&src, 0, &[], &mut out, 0, &[], &[]);
        assert_eq!(out, [5.0]);
        let mut none: [f32; 0] = [];
        copy_strided(&[], 0, &[1, 1], &mut none, 0, &[1, 1], &[0, 3]);
    }

    #[test]
    #[should_panic]
    fn out_of_range_views_panic_instead_of_reading_past_the_end() {
        let src = [1.0, 2.0];
        let mut out = [0.0; 3];
        copy_strided(&src, 0, &[1], &mut out, 0, &[1], &[3]);
    }
}

/// Timing, not correctness: `cargo test --release -p knobs-core permute_timing -- --ignored --nocapture`.
#[cfg(test)]
mod timing {
    use super::*;
    use std::time::Instant;

    #[test]
    #[ignore]
    fn permute_timing() {
        let shape = [64usize, 128, 256];
        let n: usize = shape.iter().product();
        let src: Vec<f32> = (0..n).map(|v| v as f32).collect();
        let mut dst = vec![0.0f32; n];
        let st = contiguous_strides(&shape);
        for perm in [[0usize, 1, 2], [0, 2, 1], [1, 0, 2], [2, 0, 1], [2, 1, 0]] {
            let oshape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
            let ss: Vec<usize> = perm.iter().map(|&p| st[p]).collect();
            let sd = contiguous_strides(&oshape);
            // The best of 20: the machine is shared, the minimum is the least disturbed run.
            let ms = (0..20)
                .map(|_| {
                    let t = Instant::now();
                    copy_strided(&src, 0, &ss, &mut dst, 0, &sd[..3], &oshape);
                    t.elapsed().as_secs_f64() * 1e3
                })
                .fold(f64::INFINITY, f64::min);
            println!("permute {shape:?} by {perm:?}: {ms:.2} ms ({:.2} GB/s read+write)", 2.0 * 4.0 * n as f64 / ms / 1e6);
        }
    }
}
