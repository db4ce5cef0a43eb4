//! Direct convolution for the first layer of an image net: few input channels (C·kh·kw ≤
//! DIRECT_MAX_K), stride 1, no dilation, one group. There im2col is all cost and no gain: it
//! writes kh·kw shifted copies of each image and the GEMM packs them again, for a product with
//! a depth of ≤ 32 and only a handful of rows (LeNet's conv1: 25 deep, 6 rows; the copies took
//! as long as the arithmetic). Here each output row is summed straight from a zero-padded copy
//! of the image: 16 pixels × 2 output channels per register tile (8 accumulators), vectors along
//! the row; a row's last tile takes only the vectors it has pixels for. Measured on LeNet's conv1
//! (CPU time, fused with its pool): 6 channels × 8 pixels (12 accumulators, each input vector
//! loaded once) 0.82–0.85 ms, 3 × 12 0.80–0.82, 2 × 16 0.77–0.80, 2 × 20 0.76–0.80. Probably
//! register pressure (not checked in V8's code): x64 has 16 vector registers, and 12 accumulators
//! plus the operands leave none to spare.
//!
//! Every output is Σ over (ci, i, j) in that order from zero, then + bias, then the activation:
//! the same order as the GEMM path's depth loop, one thread per output, so the bits do not
//! depend on the thread count.
use super::conv::{maxpool2d_2x2_row, Geom};
use super::dense::{sigmoid, Act};
use super::lanes::{add, at_least, load, madd, splat, store, zero, V};

/// Deepest product (C·kh·kw) the direct kernel takes.
pub const DIRECT_MAX_K: usize = 32;
/// Vectors of output pixels in a tile, its pixels, and its output channels.
const NXV: usize = 4;
const TX: usize = 4 * NXV;
const TO: usize = 2;

/// Most output channels taken: the pre-broadcast weights (4× the weights) are allocated per call.
const DIRECT_MAX_O: usize = 1 << 16;

pub fn direct_applies(g: &Geom) -> bool {
    g.groups == 1 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.c * g.kh * g.kw <= DIRECT_MAX_K && g.wo >= 4 && g.o <= DIRECT_MAX_O
}

/// Scratch floats for one image: the padded image (rows wide enough for the last tile's loads),
/// one tile row for the last, partial tile, and when pooling two whole-tile rows per channel of a
/// tile.
pub fn direct_scratch(g: &Geom) -> usize {
    let (hp, wp) = padded(g);
    g.c * hp * wp + TX + 2 * g.o.min(TO) * stage_width(g)
}

/// Staged rows are whole tiles wide, so every tile is stored straight into them.
fn stage_width(g: &Geom) -> usize {
    g.wo.next_multiple_of(TX)
}

fn padded(g: &Geom) -> (usize, usize) {
    let wp = (g.wo.div_ceil(TX) * TX + g.kw - 1).max(g.w + 2 * g.pw);
    (g.h + 2 * g.ph, wp)
}

/// Image n's planes into the interior of `pad` ([C, hp, wp], its border left as it is: zero).
pub(super) fn pad_image(x: &[f32], g: &Geom, n: usize, (hp, wp): (usize, usize), pad: &mut [f32]) {
    let hw = g.h * g.w;
    for ci in 0..g.c {
        let src = &x[(n * g.c + ci) * hw..][..hw];
        for y in 0..g.h {
            pad[(ci * hp + y + g.ph) * wp + g.pw..][..g.w].copy_from_slice(&src[y * g.w..][..g.w]);
        }
    }
}

/// Floats of the pre-broadcast weights: each weight in all four lanes, [o][t][lane].
pub fn direct_weights_len(g: &Geom) -> usize {
    4 * g.o * g.c * g.kh * g.kw
}

/// Each weight four times, so the tile multiplies by a vector load instead of a load and a
/// broadcast (as the GEMM's pre-broadcast A strips).
pub fn direct_weights(wt: &[f32], g: &Geom, packed: &mut [f32]) {
    let n = g.o * g.c * g.kh * g.kw;
    for (d, &w) in packed[..4 * n].chunks_exact_mut(4).zip(&wt[..n]) {
        d.fill(w);
    }
}

/// out (images n0.. of the part, [nb, O, Ho, Wo]) = act(conv(x) + b), from `direct_weights`;
/// with `pool`, [nb, O, ⌊Ho/2⌋, ⌊Wo/2⌋], its 2×2 max pool (conv::conv2d_pool_forward).
#[allow(clippy::too_many_arguments)]
pub fn conv2d_direct(x: &[f32], wt: &[f32], b: &[f32], out: &mut [f32], g: &Geom, n0: usize, nb: usize, act: Act, pool: bool, scratch: &mut [f32]) {
    let (hp, wp) = padded(g);
    let plane = if pool { (g.ho / 2) * (g.wo / 2) } else { g.ho * g.wo };
    let (pad, rest) = scratch.split_at_mut(g.c * hp * wp);
    let (tail, stage) = rest.split_at_mut(TX);
    let sink = &mut if pool { Sink::Pool(&mut stage[..2 * g.o.min(TO) * stage_width(g)]) } else { Sink::Tail(tail) };
    pad.fill(0.0);
    for bi in 0..nb {
        pad_image(x, g, n0 + bi, (hp, wp), pad);
        let img = &mut out[bi * g.o * plane..][..g.o * plane];
        let mut o0 = 0;
        while o0 < g.o {
            match g.o - o0 {
                1 => tiles::<1>(pad, wt, b, img, g, o0, act, sink),
                _ => tiles::<TO>(pad, wt, b, img, g, o0, act, sink),
            }
            o0 += TO;
        }
    }
}

/// Where finished tiles go: straight into the output (a row's partial last tile through `Tail`),
/// or into two staged rows per channel that are pooled into the output after every odd row.
enum Sink<'a> {
    Tail(&'a mut [f32]),
    Pool(&'a mut [f32]),
}

/// Output channels [o0, o0+OB) of one image.
#[allow(clippy::too_many_arguments)]
fn tiles<const OB: usize>(pad: &[f32], wt: &[f32], b: &[f32], img: &mut [f32], g: &Geom, o0: usize, act: Act, sink: &mut Sink) {
    let (k, plane) = (g.c * g.kh * g.kw, g.ho * g.wo);
    let (sw, pw) = (stage_width(g), g.wo / 2);
    let w: [&[f32]; OB] = core::array::from_fn(|q| &wt[(o0 + q) * 4 * k..][..4 * k]);
    // Pooling drops an odd last row, as the pool would.
    let rows = if matches!(sink, Sink::Pool(_)) { g.ho / 2 * 2 } else { g.ho };
    for y in 0..rows {
        for x0 in (0..g.wo).step_by(TX) {
            // A row's last tile takes as many vectors as it has pixels for: few lanes spent past
            // the row's end.
            let acc = match (g.wo - x0).div_ceil(4) {
                1 => sum_kw::<OB, 1>(pad, &w, g, y, x0),
                2 => sum_kw::<OB, 2>(pad, &w, g, y, x0),
                3 => sum_kw::<OB, 3>(pad, &w, g, y, x0),
                _ => sum_kw::<OB, NXV>(pad, &w, g, y, x0),
            };
            let n = TX.min(g.wo - x0);
            for (q, a) in acc.iter().enumerate() {
                let o = o0 + q;
                let bias = if b.is_empty() { 0.0 } else { b[o] };
                match sink {
                    Sink::Pool(stage) => finish(a, bias, act, &mut stage[(2 * q + y % 2) * sw + x0..][..TX]),
                    Sink::Tail(_) if n == TX => finish(a, bias, act, &mut img[o * plane + y * g.wo + x0..][..TX]),
                    Sink::Tail(tail) => {
                        finish(a, bias, act, tail);
                        img[o * plane + y * g.wo + x0..][..n].copy_from_slice(&tail[..n]);
                    }
                }
            }
        }
        if let (Sink::Pool(stage), 1) = (&sink, y % 2) {
            let pplane = (g.ho / 2) * pw;
            for q in 0..OB {
                let (r0, r1) = stage[2 * q * sw..][..2 * sw].split_at(sw);
                maxpool2d_2x2_row(r0, r1, &mut img[(o0 + q) * pplane + y / 2 * pw..][..pw]);
            }
        }
    }
}

/// `sum` with the common kernel widths known at compile time.
#[inline(always)]
fn sum_kw<const OB: usize, const NX: usize>(pad: &[f32], w: &[&[f32]; OB], g: &Geom, y: usize, x0: usize) -> [[V; NXV]; OB] {
    match g.kw {
        5 => sum::<OB, NX, 5>(pad, w, g, y, x0),
        3 => sum::<OB, NX, 3>(pad, w, g, y, x0),
        _ => sum::<OB, NX, 0>(pad, w, g, y, x0),
    }
}

/// Pixels x0.. (NX vectors) of output row y for OB channels, summed in (ci, i, j) order. KW is
/// the kernel width when known at compile time (0: read from g), so that the row and weight
/// slices have constant lengths and the loads need no bounds checks.
#[inline(always)]
fn sum<const OB: usize, const NX: usize, const KW: usize>(pad: &[f32], w: &[&[f32]; OB], g: &Geom, y: usize, x0: usize) -> [[V; NXV]; OB] {
    let (hp, wp) = padded(g);
    let kw = if KW == 0 { g.kw } else { KW };
    let mut acc = [[zero(); NXV]; OB];
    let mut t = 0;
    for ci in 0..g.c {
        for i in 0..g.kh {
            let row = &pad[(ci * hp + y + i) * wp + x0..][..4 * NX + kw - 1];
            let ws: [&[f32]; OB] = core::array::from_fn(|q| &w[q][4 * t..][..4 * kw]);
            for j in 0..kw {
                let a: [V; NX] = core::array::from_fn(|v| load(row[j + 4 * v..j + 4 * v + 4].try_into().unwrap()));
                for q in 0..OB {
                    let s = load(ws[q][4 * j..4 * j + 4].try_into().unwrap());
                    for v in 0..NX {
                        acc[q][v] = madd(a[v], s, acc[q][v]);
                    }
                }
            }
            t += kw;
        }
    }
    acc
}

/// dst[..TX] = act(a + bias), in the GEMM path's order (the sum, then + bias, then the activation);
/// none and ReLU in lanes (`at_least(s, 0)` is the scalar `if s < 0 { 0 } else { s }`, −0 and NaN
/// included): the scalar loop took a quarter of LeNet's first conv.
#[inline(always)]
fn finish(a: &[V; NXV], bias: f32, act: Act, dst: &mut [f32]) {
    if matches!(act, Act::None | Act::Relu) {
        for (v, d) in a.iter().zip(dst[..TX].chunks_exact_mut(4)) {
            let s = add(*v, splat(bias));
            store(if matches!(act, Act::Relu) { at_least(s, zero()) } else { s }, d.try_into().unwrap());
        }
        return;
    }
    let mut v = [0.0f32; TX];
    for (a, d) in a.iter().zip(v.chunks_exact_mut(4)) {
        store(*a, d.try_into().unwrap());
    }
    for (d, s) in dst[..TX].iter_mut().zip(v) {
        let s = s + bias;
        *d = if matches!(act, Act::Sigmoid) { sigmoid(s) } else { s.tanh() };
    }
}
