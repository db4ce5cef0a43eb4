//! Direct convolution with the output channels in SIMD lanes, for layers with 8–16 output
//! channels and a product too deep for conv_direct.rs: LeNet's second convolution (6→16, 5×5 on
//! 14×14). There im2col + GEMM spends as long copying as multiplying: im2col writes 150 rows of
//! 10-pixel runs per image, the GEMM packs them again, and the GEMM's 16 rows are only 4 tiles.
//! Here two output pixels × all output channels sit in registers (2 × 4 vectors); each depth step
//! loads the channels' weights as vectors (packed once per call) and multiplies them by the two
//! pixels' input values, read straight from a zero-padded copy of the image — no columns, and no
//! lanes lost at the row's end (vectors along pixels waste 6 of 16 lanes on a 10-wide row).
//!
//! Every output is Σ over (ci, i, j) in that order from zero, then + bias, then the activation,
//! by one thread, so the bits do not depend on the thread count.
use super::conv::{epilogue, maxpool2d_2x2_row, Geom};
use super::conv_direct::pad_image;
use super::dense::Act;
use super::lanes::{add, at_least, load, madd, pick_max, splat, store, zero, V};

/// Output channels the kernel holds in registers at once (4 vectors).
const MAX_O: usize = 16;
/// Deepest product (C·kh·kw) taken: its packed weights (k · 16 floats) stay within L1.
const MAX_K: usize = 512;

pub fn channels_applies(g: &Geom) -> bool {
    g.groups == 1 && (8..=MAX_O).contains(&g.o) && g.c * g.kh * g.kw <= MAX_K
}

/// Floats of the packed weights: [t][o] with o padded to whole vectors, t = (ci·kh + i)·kw + j.
pub fn channels_weights_len(g: &Geom) -> usize {
    g.c * g.kh * g.kw * g.o.next_multiple_of(4)
}

pub fn channels_weights(wt: &[f32], g: &Geom, packed: &mut [f32]) {
    let (k, op) = (g.c * g.kh * g.kw, g.o.next_multiple_of(4));
    packed[..k * op].fill(0.0);
    for o in 0..g.o {
        for t in 0..k {
            packed[t * op + o] = wt[o * k + t];
        }
    }
}

fn padded(g: &Geom) -> (usize, usize) {
    (g.h + 2 * g.ph, g.w + 2 * g.pw)
}

/// Scratch floats: one zero-padded image, one output row per channel, and when pooling two
/// finished rows per channel.
pub fn channels_scratch(g: &Geom) -> usize {
    let (hp, wp) = padded(g);
    g.c * hp * wp + 3 * g.o * g.wo
}

/// out (images n0.. of the part, [nb, O, Ho, Wo]) = act(conv(x) + b), from `channels_weights`;
/// with `pool`, [nb, O, ⌊Ho/2⌋, ⌊Wo/2⌋], its 2×2 max pool (conv::conv2d_pool_forward).
#[allow(clippy::too_many_arguments)]
pub fn conv2d_channels(x: &[f32], packed: &[f32], b: &[f32], out: &mut [f32], g: &Geom, n0: usize, nb: usize, act: Act, pool: bool, scratch: &mut [f32]) {
    match g.o.div_ceil(4) {
        2 => image_rows::<2>(x, packed, b, out, g, n0, nb, act, pool, scratch),
        3 => image_rows::<3>(x, packed, b, out, g, n0, nb, act, pool, scratch),
        _ => image_rows::<4>(x, packed, b, out, g, n0, nb, act, pool, scratch),
    }
}

#[allow(clippy::too_many_arguments)]
fn image_rows<const NV: usize>(x: &[f32], packed: &[f32], b: &[f32], out: &mut [f32], g: &Geom, n0: usize, nb: usize, act: Act, pool: bool, scratch: &mut [f32]) {
    let (hp, wp) = padded(g);
    let (pw, k) = (g.wo / 2, g.c * g.kh * g.kw);
    let plane = if pool { (g.ho / 2) * pw } else { g.ho * g.wo };
    let (pad, rest) = scratch.split_at_mut(g.c * hp * wp);
    let (rows, stage) = rest.split_at_mut(g.o * g.wo);
    let stage = &mut stage[..2 * g.o * g.wo];
    pad.fill(0.0);
    let packed = &packed[..k * 4 * NV];
    // Pooling drops an odd last row, as the pool would.
    let out_rows = if pool { g.ho / 2 * 2 } else { g.ho };
    let in_lanes = pool && matches!(act, Act::None | Act::Relu);
    for bi in 0..nb {
        pad_image(x, g, n0 + bi, (hp, wp), pad);
        let img = &mut out[bi * g.o * plane..][..g.o * plane];
        if in_lanes {
            pool_in_lanes::<NV>(pad, packed, b, img, g, act, stage);
            continue;
        }
        for oy in 0..out_rows {
            // Pixels in pairs; an odd last one alone.
            for ox in (0..g.wo).step_by(2) {
                let two = ox + 1 < g.wo;
                let acc = match (two, g.sw == 1 && g.dw == 1, g.kw) {
                    (true, true, 5) => unit_stride::<NV, 5, 2>(pad, packed, g, oy, ox),
                    (true, true, 3) => unit_stride::<NV, 3, 2>(pad, packed, g, oy, ox),
                    (false, true, 5) => pad_pair(unit_stride::<NV, 5, 1>(pad, packed, g, oy, ox)),
                    (false, true, 3) => pad_pair(unit_stride::<NV, 3, 1>(pad, packed, g, oy, ox)),
                    (true, ..) => any_stride::<NV, 2>(pad, packed, g, oy, ox),
                    (false, ..) => pad_pair(any_stride::<NV, 1>(pad, packed, g, oy, ox)),
                };
                // Channel-major staging rows, so the epilogue runs along output rows.
                for (p, a) in acc.iter().enumerate().take(if two { 2 } else { 1 }) {
                    let mut lanes = [0.0f32; 16];
                    for v in 0..NV {
                        store(a[v], (&mut lanes[4 * v..4 * v + 4]).try_into().unwrap());
                    }
                    for (o, &s) in lanes[..g.o].iter().enumerate() {
                        rows[o * g.wo + ox + p] = s;
                    }
                }
            }
            for o in 0..g.o {
                let bias = if b.is_empty() { 0.0 } else { b[o] };
                let dst = if pool { &mut stage[(2 * o + oy % 2) * g.wo..][..g.wo] } else { &mut img[o * plane + oy * g.wo..][..g.wo] };
                epilogue(dst, &rows[o * g.wo..][..g.wo], bias, act);
                if pool && oy % 2 == 1 {
                    let (r0, r1) = stage[2 * o * g.wo..][..2 * g.wo].split_at(g.wo);
                    maxpool2d_2x2_row(r0, r1, &mut img[o * plane + oy / 2 * pw..][..pw]);
                }
            }
        }
    }
}

/// Bias, ReLU (or none) and the 2×2 pool of one image with the channels still in lanes: each
/// pixel pair's two results are maxed as vectors (the top row's kept in `stage`, [pooled x][4·NV]),
/// and only the pooled values are scattered to the channel planes — a quarter of the lane
/// extraction and none of the row epilogue. The same operations as the epilogue and the pool
/// (+ bias, `at_least(s, 0)` for ReLU as in conv_direct.rs, the pool's pick order), so the same
/// bits.
#[inline(never)]
fn pool_in_lanes<const NV: usize>(pad: &[f32], packed: &[f32], b: &[f32], img: &mut [f32], g: &Geom, act: Act, stage: &mut [f32]) {
    let (ph, pw) = (g.ho / 2, g.wo / 2);
    let mut bias = [0.0f32; 16];
    if !b.is_empty() {
        bias[..g.o].copy_from_slice(&b[..g.o]);
    }
    let bias: [V; NV] = core::array::from_fn(|v| load(bias[4 * v..4 * v + 4].try_into().unwrap()));
    let stage = &mut stage[..pw * 4 * NV];
    for py in 0..ph {
        for oy in [2 * py, 2 * py + 1] {
            for px in 0..pw {
                let ox = 2 * px;
                let acc = match (g.sw == 1 && g.dw == 1, g.kw) {
                    (true, 5) => unit_stride::<NV, 5, 2>(pad, packed, g, oy, ox),
                    (true, 3) => unit_stride::<NV, 3, 2>(pad, packed, g, oy, ox),
                    _ => any_stride::<NV, 2>(pad, packed, g, oy, ox),
                };
                let st = &mut stage[px * 4 * NV..][..4 * NV];
                let mut lanes = [0.0f32; 16];
                for v in 0..NV {
                    let [l, r] = [0, 1].map(|p| {
                        let s = add(acc[p][v], bias[v]);
                        if matches!(act, Act::Relu) { at_least(s, zero()) } else { s }
                    });
                    let d: &mut [f32; 4] = (&mut st[4 * v..4 * v + 4]).try_into().unwrap();
                    if oy % 2 == 0 {
                        store(pick_max(l, r), d);
                    } else {
                        store(pick_max(load(d), pick_max(l, r)), (&mut lanes[4 * v..4 * v + 4]).try_into().unwrap());
                    }
                }
                if oy % 2 == 1 {
                    for (o, &m) in lanes[..g.o].iter().enumerate() {
                        img[o * ph * pw + py * pw + px] = m;
                    }
                }
            }
        }
    }
}

fn pad_pair<const NV: usize>(a: [[V; NV]; 1]) -> [[V; NV]; 2] {
    [a[0], [zero(); NV]]
}

/// P pixels from (oy, ox) on, stride 1 and no dilation along the row, KW known: one input row
/// of KW + P − 1 values serves every (j, p) pair, so each value is broadcast once.
#[inline(always)]
fn unit_stride<const NV: usize, const KW: usize, const P: usize>(pad: &[f32], packed: &[f32], g: &Geom, oy: usize, ox: usize) -> [[V; NV]; P] {
    let (hp, wp) = padded(g);
    let mut acc = [[zero(); NV]; P];
    for ci in 0..g.c {
        for i in 0..g.kh {
            let row = &pad[(ci * hp + oy * g.sh + i * g.dh) * wp + ox..][..KW + P - 1];
            let ws = &packed[(ci * g.kh + i) * KW * 4 * NV..][..KW * 4 * NV];
            let s: [V; 8] = core::array::from_fn(|q| if q < KW + P - 1 { splat(row[q]) } else { zero() });
            for j in 0..KW {
                for v in 0..NV {
                    let wv = load(ws[(j * NV + v) * 4..][..4].try_into().unwrap());
                    for p in 0..P {
                        acc[p][v] = madd(s[j + p], wv, acc[p][v]);
                    }
                }
            }
        }
    }
    acc
}

/// P pixels from (oy, ox) on, any stride and dilation.
#[inline(always)]
fn any_stride<const NV: usize, const P: usize>(pad: &[f32], packed: &[f32], g: &Geom, oy: usize, ox: usize) -> [[V; NV]; P] {
    let (hp, wp) = padded(g);
    let mut acc = [[zero(); NV]; P];
    let mut w = packed.chunks_exact(4 * NV);
    for ci in 0..g.c {
        for i in 0..g.kh {
            let row = &pad[(ci * hp + oy * g.sh + i * g.dh) * wp + ox * g.sw..];
            for j in 0..g.kw {
                let wq = w.next().unwrap();
                let s: [V; P] = core::array::from_fn(|p| splat(row[p * g.sw + j * g.dw]));
                for v in 0..NV {
                    let wv = load(wq[4 * v..4 * v + 4].try_into().unwrap());
                    for p in 0..P {
                        acc[p][v] = madd(s[p], wv, acc[p][v]);
                    }
                }
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::conv2d_forward;
    use crate::kernels::par::with_host_threads;
    use crate::kernels::testutil::{assert_close, conv2d_naive, rand_vec, Lcg};

    #[test]
    fn matches_the_direct_convolution_on_every_thread_count() {
        let mut rng = Lcg(41);
        let geom = |v: [usize; 14]| Geom::from_slice(&v.map(|x| x as u32));
        // LeNet-5's second conv; 5×5 and 3×3 with stride 1 (the unrolled rows) and odd widths (a
        // lone last pixel); padding, stride and dilation; a 2×2 kernel; 8, 10, 12 and 13 channels
        // (every vector count, partial last vectors).
        let gs = [
            geom([64, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1]),
            geom([2, 5, 9, 11, 13, 3, 3, 2, 1, 1, 2, 1, 2, 1]),
            geom([3, 4, 8, 7, 8, 5, 5, 1, 1, 2, 2, 1, 1, 1]),
            geom([1, 7, 6, 6, 12, 2, 2, 1, 1, 0, 0, 1, 1, 1]),
            geom([2, 5, 7, 9, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1]),
        ];
        for g in gs {
            assert!(channels_applies(&g), "{g:?}");
            let x = rand_vec(&mut rng, g.n * g.c * g.h * g.w);
            let wt = rand_vec(&mut rng, g.o * g.c * g.kh * g.kw);
            let b = rand_vec(&mut rng, g.o);
            let want: Vec<f32> = conv2d_naive(&x, &wt, &b, &g).iter().map(|v| v.max(0.0)).collect();
            let run = |t: usize| {
                with_host_threads(t, || {
                    let mut out = vec![f32::NAN; want.len()];
                    conv2d_forward(&x, &wt, &b, &mut out, &g, Act::Relu);
                    out
                })
            };
            let one = run(1);
            assert_close(&one, &want, 1e-5, &format!("{g:?}"));
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            for t in [2, 3] {
                assert_eq!(bits(&run(t)), bits(&one), "{g:?} on {t} threads");
            }
        }
    }
}
