//! Packing: copies a W-lane strip of an operand into the order the microkernel reads it,
//! `dst[p·W + l] = X(lane l, depth p)`, so the kernel's loads are contiguous whatever the
//! operand's layout. A strip of A has rows as lanes (W = MR), a strip of B columns (W = NR).
//! Transposed operands are packed straight from their stored layout: no transpose is ever
//! materialised. Strips narrower than W are zero-padded, so edge tiles use the same kernel.

use crate::kernels::lanes::{load, store, transpose};

/// Four floats on a 16-byte boundary, the unit of the packed buffers: no vector load of a
/// packed strip straddles a cache line.
#[derive(Clone, Copy, Default)]
#[repr(C, align(16))]
pub struct Quad(pub [f32; 4]);

/// A matrix view: element (r, c) is `data[r·rs + c·cs]`. Row-major X is (rs, cs) = (cols, 1);
/// its transpose is the same data with (rs, cs) = (1, cols).
#[derive(Clone, Copy)]
pub struct Mat<'a> {
    pub data: &'a [f32],
    pub rs: usize,
    pub cs: usize,
}

/// Packs `lanes ≤ W` lanes × `kc` depth starting at `data[base]`, lane l and depth p at
/// `base + l·ls + p·ds`, into `dst[..kc·W]`.
#[inline(always)]
pub fn pack_strip<const W: usize>(data: &[f32], base: usize, ls: usize, ds: usize, lanes: usize, kc: usize, dst: &mut [Quad]) {
    let q = W / 4;
    let dst = &mut dst[..kc * q];
    if lanes == W && ls == 1 {
        // Lanes contiguous (A transposed, B plain): one W-float copy per depth step.
        for (p, d) in dst.chunks_exact_mut(q).enumerate() {
            let s = base + p * ds;
            for (i, dq) in d.iter_mut().enumerate() {
                dq.0.copy_from_slice(&data[s + 4 * i..s + 4 * i + 4]);
            }
        }
    } else if lanes == W && ds == 1 {
        // Depth contiguous (A plain, B transposed): 4×4 register transposes.
        for g in (0..W).step_by(4) {
            let rows: [&[f32]; 4] = core::array::from_fn(|t| {
                let s = base + (g + t) * ls;
                &data[s..s + kc]
            });
            let blocks = kc / 4;
            for (b, d) in dst.chunks_exact_mut(4 * q).take(blocks).enumerate() {
                let v: [_; 4] = core::array::from_fn(|t| load(rows[t][4 * b..4 * b + 4].try_into().unwrap()));
                let cols = transpose(v[0], v[1], v[2], v[3]);
                for (u, col) in cols.into_iter().enumerate() {
                    store(col, &mut d[u * q + g / 4].0);
                }
            }
            for p in blocks * 4..kc {
                dst[p * q + g / 4] = Quad(core::array::from_fn(|t| rows[t][p]));
            }
        }
    } else {
        // Edge strips (and W not a multiple of 4): element by element, zero-padded.
        for (p, d) in dst.chunks_exact_mut(q).enumerate() {
            for l in 0..W {
                d[l / 4].0[l % 4] = if l < lanes { data[base + l * ls + p * ds] } else { 0.0 };
            }
        }
    }
}

/// Packs an A strip pre-broadcast: `dst[p·W + l]` is A(lane l, depth p) in all four lanes.
/// The microkernel then multiplies by plain vector loads; a broadcast load would cost a
/// shuffle-port µop per element on AMD cores, competing with the multiplies and adds.
#[inline(always)]
pub fn pack_strip_splat<const W: usize>(data: &[f32], base: usize, ls: usize, ds: usize, lanes: usize, kc: usize, dst: &mut [Quad]) {
    let dst = &mut dst[..kc * W];
    if lanes == W && ds == 1 {
        // Depth contiguous (A plain): lane by lane, walking its row.
        for l in 0..W {
            let row = &data[base + l * ls..base + l * ls + kc];
            for (d, &x) in dst.chunks_exact_mut(W).zip(row) {
                d[l] = Quad([x; 4]);
            }
        }
    } else if lanes == W && ls == 1 {
        // Lanes contiguous (A transposed): W floats per depth step.
        for (p, d) in dst.chunks_exact_mut(W).enumerate() {
            let s = base + p * ds;
            for (q, &x) in d.iter_mut().zip(&data[s..s + W]) {
                *q = Quad([x; 4]);
            }
        }
    } else {
        // Edge strips, zero-padded.
        for (p, d) in dst.chunks_exact_mut(W).enumerate() {
            for (l, q) in d.iter_mut().enumerate() {
                *q = Quad([if l < lanes { data[base + l * ls + p * ds] } else { 0.0 }; 4]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{rand_vec, Lcg};

    /// Packs with both packers at width W from both orientations of the same storage (lanes
    /// contiguous, depth contiguous), full and partial strips, odd depths and offsets.
    fn check<const W: usize>() {
        let mut rng = Lcg(3);
        let (rows, cols) = (11, 13);
        let data = rand_vec(&mut rng, rows * cols);
        for (ls, ds) in [(cols, 1), (1, cols)] {
            let (lane_count, depth_count) = if ls == 1 { (cols, rows) } else { (rows, cols) };
            for lanes in [1, 3, W - 1, W] {
                for (kc, off) in [(1, 0), (5, 2), (8, 1), (9, 0)] {
                    if lanes == 0 || lanes > lane_count || kc + off > depth_count {
                        continue;
                    }
                    let base = off * ds;
                    let want = |p: usize, l: usize| if l < lanes { data[base + l * ls + p * ds] } else { 0.0 };
                    let mut dst = vec![Quad([f32::NAN; 4]); kc * W / 4];
                    pack_strip::<W>(&data, base, ls, ds, lanes, kc, &mut dst);
                    let mut splat = vec![Quad([f32::NAN; 4]); kc * W];
                    pack_strip_splat::<W>(&data, base, ls, ds, lanes, kc, &mut splat);
                    for p in 0..kc {
                        for l in 0..W {
                            let at = format!("W={W} ls={ls} lanes={lanes} kc={kc} p={p} l={l}");
                            assert_eq!(dst[p * W / 4 + l / 4].0[l % 4], want(p, l), "{at}");
                            assert_eq!(splat[p * W + l].0, [want(p, l); 4], "splat {at}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_path_packs_lane_major_with_zero_padding() {
        check::<4>();
        check::<8>();
    }
}
