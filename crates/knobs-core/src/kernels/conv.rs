//! 2-D convolution (NCHW, PyTorch's cross-correlation) as im2col + the packed GEMM, and its
//! gradients as GEMMs + col2im. Images are processed in parts: the columns of a part of `nb`
//! images form one [C/g·kh·kw, nb·Ho·Wo] matrix, so one GEMM per group covers several images (a
//! per-image GEMM of a small image has too few columns to fill the SIMD tiles), while the scratch
//! stays small enough for L2 (FWD_COLS_BUDGET). The parts, forward and backward, are what the
//! thread pool shares: each runs im2col, its GEMMs and col2im on one thread (a nested GEMM does not
//! split again), so no serial stretch is left between the parallel GEMMs. Part sizes come from the
//! geometry alone, so convolutions are bit-identical across thread counts.
//!
//! Conv1d is Conv2d with H = 1 (the TS side reshapes).
use super::conv_channels::{channels_applies, channels_scratch, channels_weights, channels_weights_len, conv2d_channels};
use super::conv_direct::{conv2d_direct, direct_applies, direct_scratch, direct_weights, direct_weights_len};
use super::winograd::{conv2d_winograd, winograd_applies, winograd_scratch, winograd_weights, winograd_weights_len};
use super::dense::{sigmoid, Act};
use super::matmul::{matmul, matmul_nt, matmul_tn};
use super::lanes::{evens_odds, load, pick_max, store};
use super::par;
use core::cell::Cell;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geom {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub o: usize,
    pub kh: usize,
    pub kw: usize,
    pub sh: usize,
    pub sw: usize,
    pub ph: usize,
    pub pw: usize,
    pub dh: usize,
    pub dw: usize,
    pub groups: usize,
    pub ho: usize,
    pub wo: usize,
}

impl Geom {
    /// From the 14 numbers the TS side sends (n c h w o kh kw sh sw ph pw dh dw groups); output size derived.
    pub fn from_slice(v: &[u32]) -> Geom {
        assert!(v.len() == 14, "conv2d: geometry needs 14 numbers");
        let u = |i: usize| v[i] as usize;
        let (h, w, kh, kw, sh, sw, ph, pw, dh, dw) = (u(2), u(3), u(5), u(6), u(7), u(8), u(9), u(10), u(11), u(12));
        let ext_h = dh * (kh - 1) + 1;
        let ext_w = dw * (kw - 1) + 1;
        assert!(h + 2 * ph >= ext_h && w + 2 * pw >= ext_w, "conv2d: kernel larger than the padded input");
        Geom { n: u(0), c: u(1), h, w, o: u(4), kh, kw, sh, sw, ph, pw, dh, dw, groups: u(13), ho: (h + 2 * ph - ext_h) / sh + 1, wo: (w + 2 * pw - ext_w) / sw + 1 }
    }
    fn cg(&self) -> usize {
        self.c / self.groups
    }
    fn og(&self) -> usize {
        self.o / self.groups
    }
    /// Rows of a group's column matrix: C/g · kh · kw.
    fn k(&self) -> usize {
        self.cg() * self.kh * self.kw
    }
    fn plane(&self) -> usize {
        self.ho * self.wo
    }
}

/// Columns of images [n0, n0+nb) for group `g`: cols[(ci·kh + i)·kw + j][b·HoWo + y·Wo + x] =
/// x[n0+b][g·C/g + ci][y·sh − ph + i·dh][x·sw − pw + j·dw] (0 outside the image).
fn im2col(x: &[f32], g: &Geom, grp: usize, n0: usize, nb: usize, cols: &mut [f32]) {
    let (hw, plane, width) = (g.h * g.w, g.plane(), nb * g.plane());
    for ci in 0..g.cg() {
        for i in 0..g.kh {
            for j in 0..g.kw {
                let row = &mut cols[((ci * g.kh + i) * g.kw + j) * width..][..width];
                for b in 0..nb {
                    let src = &x[((n0 + b) * g.c + grp * g.cg() + ci) * hw..][..hw];
                    let dst = &mut row[b * plane..][..plane];
                    for oy in 0..g.ho {
                        let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                        let out = &mut dst[oy * g.wo..][..g.wo];
                        if iy < 0 || iy >= g.h as isize {
                            out.fill(0.0);
                            continue;
                        }
                        let line = &src[iy as usize * g.w..][..g.w];
                        if g.sw == 1 {
                            // Contiguous run: the interior is one copy, the padding zeros.
                            let off = (j * g.dw) as isize - g.pw as isize;
                            let lo = (-off).clamp(0, g.wo as isize) as usize;
                            let hi = (g.w as isize - off).clamp(lo as isize, g.wo as isize) as usize;
                            out[..lo].fill(0.0);
                            out[lo..hi].copy_from_slice(&line[(lo as isize + off) as usize..(hi as isize + off) as usize]);
                            out[hi..].fill(0.0);
                        } else {
                            for (ox, o) in out.iter_mut().enumerate() {
                                let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                                *o = if ix >= 0 && (ix as usize) < g.w { line[ix as usize] } else { 0.0 };
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of im2col: adds every column entry back to the input pixel it was read from.
fn col2im_add(cols: &[f32], g: &Geom, grp: usize, n0: usize, nb: usize, dx: &mut [f32]) {
    let (hw, plane, width) = (g.h * g.w, g.plane(), nb * g.plane());
    for ci in 0..g.cg() {
        for i in 0..g.kh {
            for j in 0..g.kw {
                let row = &cols[((ci * g.kh + i) * g.kw + j) * width..][..width];
                for b in 0..nb {
                    let dst = &mut dx[((n0 + b) * g.c + grp * g.cg() + ci) * hw..][..hw];
                    let src = &row[b * plane..][..plane];
                    for oy in 0..g.ho {
                        let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                        if iy < 0 || iy >= g.h as isize {
                            continue;
                        }
                        let line = &mut dst[iy as usize * g.w..][..g.w];
                        for (ox, v) in src[oy * g.wo..][..g.wo].iter().enumerate() {
                            let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                            if ix >= 0 && (ix as usize) < g.w {
                                line[ix as usize] += v;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Floats of im2col scratch per forward part (1 MiB): the forward's columns are written once and
/// read once by the GEMM, so a part small enough to keep them in L2 beats one large chunk
/// (LeNet-5 inference, batch 64: −25% time), and several parts let the pool share the images.
const FWD_COLS_BUDGET: usize = 1 << 18;

thread_local! {
    // Forward and backward scratch (columns and the GEMM's result or output gradient), kept
    // between calls so inference allocates nothing after its first batch; one per thread (each
    // pool worker is its own instance).
    static FWD_SCRATCH: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// out[n][o] = act(Σ w[o] ⋆ x[n][group of o] + b[o]). `b` empty for no bias. Shallow first layers
/// (conv_direct.rs) are summed directly, 3×3 stride-1 layers by Winograd (winograd.rs), layers of
/// 8–16 output channels directly with the channels in lanes (conv_channels.rs), the rest as
/// im2col + GEMM. Images are cut into
/// parts of a fixed size (from the geometry alone, never the thread count) spread over the pool;
/// each image's arithmetic is the same whichever part it is in (see the chunk test), so the bits
/// do not depend on the thread count.
pub fn conv2d_forward(x: &[f32], wt: &[f32], b: &[f32], out: &mut [f32], g: &Geom, act: Act) {
    forward(x, wt, b, out, g, act, false);
}

/// out [N, O, ⌊Ho/2⌋, ⌊Wo/2⌋] = 2×2 max pool (stride 2) of act(conv(x) + b): inference's conv →
/// activation → pool in one pass, the same bits as conv2d_forward then maxpool2d_forward. The
/// direct and channels-in-lanes kernels pool two output rows at a time from an L1 staging row
/// pair, so the full-size activation is never written and read back (LeNet-5's first conv output
/// is 1.2 MB at batch 64); the other paths pool each part's output while it is still in cache.
pub fn conv2d_pool_forward(x: &[f32], wt: &[f32], b: &[f32], out: &mut [f32], g: &Geom, act: Act) {
    forward(x, wt, b, out, g, act, true);
}

fn forward(x: &[f32], wt: &[f32], b: &[f32], out: &mut [f32], g: &Geom, act: Act, pool: bool) {
    let k = g.k();
    let plane = if pool { (g.ho / 2) * (g.wo / 2) } else { g.plane() };
    assert!(x.len() >= g.n * g.c * g.h * g.w && wt.len() >= g.o * k && out.len() >= g.n * g.o * plane);
    let per = g.o * plane;
    if per == 0 || g.n == 0 {
        return;
    }
    let chunk = fwd_part_images(g);
    let mut parts: Vec<(usize, &mut [f32])> = out[..g.n * per].chunks_mut(chunk * per).enumerate().map(|(i, o)| (i * chunk, o)).collect();
    let path = if direct_applies(g) {
        Path::Direct
    } else if winograd_applies(g) {
        Path::Winograd
    } else if channels_applies(g) {
        Path::Channels
    } else {
        Path::Gemm
    };
    // Weights broadcast (direct), transformed (Winograd) or repacked (channels in lanes) once per
    // call, for all parts.
    let mut u = Vec::new();
    if path == Path::Direct {
        u.resize(direct_weights_len(g), 0.0);
        direct_weights(wt, g, &mut u);
    } else if path == Path::Winograd {
        u.resize(winograd_weights_len(g), 0.0);
        winograd_weights(wt, g, &mut u);
    } else if path == Path::Channels {
        u.resize(channels_weights_len(g), 0.0);
        channels_weights(wt, g, &mut u);
    }
    par::for_each_mut(&mut parts, &|(n0, o)| {
        let nb = o.len() / per;
        // Winograd and the GEMM write the part's full-size output here first when pooling.
        let full = if pool && matches!(path, Path::Winograd | Path::Gemm) { nb * g.o * g.plane() } else { 0 };
        FWD_SCRATCH.with(|cell| {
            let mut scratch = cell.take();
            let (nc, ny) = match path {
                Path::Direct => (direct_scratch(g), 0),
                Path::Winograd => (winograd_scratch(g), 0),
                Path::Channels => (channels_scratch(g), 0),
                Path::Gemm => (k * nb * g.plane(), g.og() * nb * g.plane()),
            };
            if scratch.len() < nc + ny + full {
                scratch.resize(nc + ny + full, 0.0);
            }
            let (cols, rest) = scratch.split_at_mut(nc);
            let (y, tmp) = rest.split_at_mut(ny);
            let dst: &mut [f32] = if full > 0 { &mut tmp[..full] } else { o };
            match path {
                Path::Direct => conv2d_direct(x, &u, b, dst, g, *n0, nb, act, pool, cols),
                Path::Winograd => conv2d_winograd(x, &u, b, dst, g, *n0, nb, act, cols),
                Path::Channels => conv2d_channels(x, &u, b, dst, g, *n0, nb, act, pool, cols),
                Path::Gemm => forward_part(x, wt, b, dst, g, *n0, nb, act, cols, y),
            }
            if full > 0 {
                maxpool2d_2x2(&tmp[..full], o, &Geom { n: nb, c: g.o, h: g.ho, w: g.wo, ho: g.ho / 2, wo: g.wo / 2, ..*g });
            }
            cell.set(scratch);
        });
    });
}

/// How a forward is summed: directly (shallow first layers, conv_direct.rs), by Winograd's
/// F(2×2, 3×3) (3×3 stride 1 with enough channels, winograd.rs), directly with the output
/// channels in lanes (8–16 of them, conv_channels.rs), or as im2col + GEMM.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    Direct,
    Winograd,
    Channels,
    Gemm,
}

/// Parts a batch is cut into, at least (when it has that many images): enough that the threads
/// share them evenly — LeNet-5's first conv at batch 64 made 5 parts of 13 images, 3 on one thread
/// and 2 on the other — and that a thread the OS runs late leaves its parts to the others.
const MIN_PARTS: usize = 8;

/// Images per forward (and backward) part: columns within FWD_COLS_BUDGET, and at least
/// MIN_PARTS parts unless that leaves a part under a quarter of the budget (a small call is not
/// worth waking the pool for).
fn fwd_part_images(g: &Geom) -> usize {
    let fit = FWD_COLS_BUDGET / (g.k() * g.plane()).max(1);
    fit.min(g.n.div_ceil(MIN_PARTS)).max(fit / 4).clamp(1, g.n.max(1))
}

/// Images [n0, n0+nb) into `out` (their own output rows), through one GEMM per group.
#[allow(clippy::too_many_arguments)]
fn forward_part(x: &[f32], wt: &[f32], b: &[f32], out: &mut [f32], g: &Geom, n0: usize, nb: usize, act: Act, cols: &mut [f32], y: &mut [f32]) {
    let (k, og, plane) = (g.k(), g.og(), g.plane());
    let width = nb * plane;
    for grp in 0..g.groups {
        im2col(x, g, grp, n0, nb, cols);
        // y[og, nb·HoWo] = W_g[og, k] · cols[k, nb·HoWo]
        matmul(&wt[grp * og * k..][..og * k], &cols[..k * width], &mut y[..og * width], og, k, width, false);
        for oo in 0..og {
            let bias = if b.is_empty() { 0.0 } else { b[grp * og + oo] };
            for bi in 0..nb {
                let dst = &mut out[(bi * g.o + grp * og + oo) * plane..][..plane];
                epilogue(dst, &y[oo * width + bi * plane..][..plane], bias, act);
            }
        }
    }
}

/// dst = act(src + bias): the bias and activation passes folded into the copy out of the GEMM's
/// layout, the same arithmetic as dense_forward's (bias added, then the activation).
pub(super) fn epilogue(dst: &mut [f32], src: &[f32], bias: f32, act: Act) {
    let it = dst.iter_mut().zip(src);
    match act {
        Act::None => it.for_each(|(d, s)| *d = s + bias),
        Act::Relu => it.for_each(|(d, s)| {
            let v = s + bias;
            *d = if v < 0.0 { 0.0 } else { v }
        }),
        Act::Sigmoid => it.for_each(|(d, s)| *d = sigmoid(s + bias)),
        Act::Tanh => it.for_each(|(d, s)| *d = (s + bias).tanh()),
    }
}

/// Floats of the per-part weight- and bias-gradient partials of one backward call, all parts
/// together (16 MiB): a geometry with many weights gets fewer, larger parts instead of more memory.
const BWD_PARTIALS_BUDGET: usize = 1 << 22;

thread_local! {
    // The backward's per-part gradient partials, kept on the calling thread between calls.
    static BWD_PARTIALS: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// Gradients from gy = ∂L/∂out: gx (overwritten), gw and gb (added to when `accumulate`, else
/// overwritten). An empty slice skips that gradient.
///
/// Images are cut into parts of a fixed size (from the geometry alone, as the forward's) that the
/// thread pool shares: each part writes its own images of gx and its own partial sums of gw and
/// gb, which are then added into gw and gb in part order — so the bits do not depend on the
/// thread count, and im2col/col2im run on every thread instead of serially between GEMMs.
pub fn conv2d_backward(x: &[f32], wt: &[f32], gy: &[f32], gx: &mut [f32], gw: &mut [f32], gb: &mut [f32], g: &Geom, accumulate: bool) {
    let (k, plane) = (g.k(), g.plane());
    let (want_x, want_w, want_b) = (!gx.is_empty(), !gw.is_empty(), !gb.is_empty());
    let chw = g.c * g.h * g.w;
    if want_w && !accumulate {
        gw[..g.o * k].fill(0.0);
    }
    if want_b && !accumulate {
        gb[..g.o].fill(0.0);
    }
    if g.n == 0 || plane == 0 {
        if want_x {
            gx[..g.n * chw].fill(0.0);
        }
        return;
    }
    if !want_x && !want_w && !want_b {
        return;
    }
    // Partial floats per part: gw's (O·k) then gb's (O).
    let pw = if want_w { g.o * k } else { 0 };
    let pb = if want_b { g.o } else { 0 };
    let per_part = pw + pb;
    let by_cols = fwd_part_images(g);
    let by_partials = if per_part == 0 { 1 } else { g.n.div_ceil((BWD_PARTIALS_BUDGET / per_part).max(1)) };
    let chunk = by_cols.max(by_partials).min(g.n);
    let nparts = g.n.div_ceil(chunk);
    let mut partials = BWD_PARTIALS.take();
    if partials.len() < nparts * per_part {
        partials.resize(nparts * per_part, 0.0);
    }
    {
        let gx_parts: Vec<&mut [f32]> = if want_x { gx[..g.n * chw].chunks_mut(chunk * chw).collect() } else { Vec::new() };
        let mut gx_iter = gx_parts.into_iter();
        let mut parts: Vec<(usize, &mut [f32], Option<&mut [f32]>)> = if per_part > 0 {
            partials[..nparts * per_part].chunks_mut(per_part).enumerate().map(|(i, p)| (i * chunk, p, gx_iter.next())).collect()
        } else {
            (0..nparts).map(|i| (i * chunk, &mut [][..], gx_iter.next())).collect()
        };
        par::for_each_mut(&mut parts, &|(n0, part, gxp)| {
            let nb = chunk.min(g.n - *n0);
            let (pgw, pgb) = part.split_at_mut(pw);
            backward_part(x, wt, gy, gxp.as_deref_mut(), pgw, pgb, g, *n0, nb);
        });
    }
    // gw += Σ partials in part order; spread over the pool by ranges of gw (each element is still
    // summed in part order, so the bits do not depend on how the ranges fall on threads).
    if per_part > 0 {
        let parts_ref = &partials[..nparts * per_part];
        let mut ranges: Vec<(usize, &mut [f32])> = Vec::new();
        const RANGE: usize = 1 << 14;
        if want_w {
            ranges.extend(gw[..pw].chunks_mut(RANGE).enumerate().map(|(i, r)| (i * RANGE, r)));
        }
        if want_b {
            ranges.push((pw, &mut gb[..pb]));
        }
        par::for_each_mut(&mut ranges, &|(off, dst)| {
            for p in 0..nparts {
                let src = &parts_ref[p * per_part + *off..][..dst.len()];
                dst.iter_mut().zip(src).for_each(|(d, s)| *d += s);
            }
        });
    }
    BWD_PARTIALS.set(partials);
}

/// Images [n0, n0+nb): their input gradient into `gx` (just these images' rows, overwritten), and
/// their weight and bias gradients into `gw`, `gb` (overwritten; empty = not wanted).
#[allow(clippy::too_many_arguments)]
fn backward_part(x: &[f32], wt: &[f32], gy: &[f32], gx: Option<&mut [f32]>, gw: &mut [f32], gb: &mut [f32], g: &Geom, n0: usize, nb: usize) {
    let (k, og, plane) = (g.k(), g.og(), g.plane());
    let width = nb * plane;
    if !gb.is_empty() {
        gb.fill(0.0);
        for bi in 0..nb {
            for (oo, s) in gb.iter_mut().enumerate() {
                *s += gy[((n0 + bi) * g.o + oo) * plane..][..plane].iter().sum::<f32>();
            }
        }
    }
    let want_w = !gw.is_empty();
    if !want_w && gx.is_none() {
        return;
    }
    let mut gx = gx;
    if let Some(d) = gx.as_deref_mut() {
        d.fill(0.0);
    }
    FWD_SCRATCH.with(|cell| {
        let mut scratch = cell.take();
        let (nc, ny) = (k * width, og * width);
        if scratch.len() < nc + ny {
            scratch.resize(nc + ny, 0.0);
        }
        let (cols, dy) = scratch.split_at_mut(nc);
        let dy = &mut dy[..ny];
        for grp in 0..g.groups {
            // This part's output gradient as [og, nb·HoWo], the layout of the forward GEMM's result.
            for oo in 0..og {
                for bi in 0..nb {
                    dy[oo * width + bi * plane..][..plane].copy_from_slice(&gy[((n0 + bi) * g.o + grp * og + oo) * plane..][..plane]);
                }
            }
            if want_w {
                im2col(x, g, grp, n0, nb, cols);
                // gW_g[og, k] = dy[og, width] · cols[k, width]ᵀ
                matmul_nt(dy, cols, &mut gw[grp * og * k..][..og * k], og, width, k, false);
            }
            if let Some(d) = gx.as_deref_mut() {
                // dcols[k, width] = W_g[og, k]ᵀ · dy[og, width]
                matmul_tn(&wt[grp * og * k..][..og * k], dy, cols, k, og, width, false);
                col2im_add(cols, g, grp, 0, nb, d);
            }
        }
        cell.set(scratch);
    });
}

/// Max pooling over kh×kw windows (stride, padding; padding never wins). `arg` receives, for every
/// output, the flat index within its input plane of the maximum (first one on ties, as PyTorch);
/// an empty `arg` (inference: no backward will read it) skips the indices. Planes are spread over
/// the thread pool; each output is computed by one thread, by the same loop, so the bits do not
/// depend on the thread count.
pub fn maxpool2d_forward(x: &[f32], out: &mut [f32], arg: &mut [u32], g: &Geom) {
    let (hw, plane, planes) = (g.h * g.w, g.plane(), g.n * g.c);
    if plane == 0 || planes == 0 {
        return;
    }
    let want_arg = !arg.is_empty();
    let dense = g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1;
    // ~64K inputs per part (fewer: a part costs less than waking a thread), cut down towards
    // MIN_PARTS parts but not below 16K inputs.
    let per = (POOL_PART_INPUTS / hw.max(1)).min(planes.div_ceil(MIN_PARTS)).max(POOL_PART_INPUTS / 4 / hw.max(1)).clamp(1, planes);
    let mut parts: Vec<(usize, &mut [f32], &mut [u32])> = if want_arg {
        out[..planes * plane].chunks_mut(per * plane).zip(arg[..planes * plane].chunks_mut(per * plane)).enumerate().map(|(i, (o, a))| (i * per, o, a)).collect()
    } else {
        out[..planes * plane].chunks_mut(per * plane).enumerate().map(|(i, o)| (i * per, o, &mut [][..])).collect()
    };
    par::for_each_mut(&mut parts, &|(p0, o, a)| {
        let np = o.len() / plane;
        let sub = Geom { n: 1, c: np, ..*g };
        let xs = &x[*p0 * hw..][..np * hw];
        if !want_arg && dense && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 {
            maxpool2d_2x2(xs, o, &sub);
        } else if want_arg {
            if dense { maxpool2d_dense(xs, o, a, &sub) } else { maxpool2d_general(xs, o, a, &sub) }
        } else {
            let mut tmp = vec![0u32; o.len()];
            if dense { maxpool2d_dense(xs, o, &mut tmp, &sub) } else { maxpool2d_general(xs, o, &mut tmp, &sub) }
        }
    });
}

const POOL_PART_INPUTS: usize = 1 << 16;

/// The commonest pool (2×2, stride 2) without indices: a branch-free max of each window, taken in
/// the order the indexed loop visits it (a tree of "first maximum, first NaN" picks keeps that
/// loop's choice), so the values are the same bits as maxpool2d_dense's.
fn maxpool2d_2x2(x: &[f32], out: &mut [f32], g: &Geom) {
    let (hw, plane) = (g.h * g.w, g.plane());
    for p in 0..g.n * g.c {
        let src = &x[p * hw..][..hw];
        let o_pl = &mut out[p * plane..][..plane];
        for oy in 0..g.ho {
            maxpool2d_2x2_row(&src[2 * oy * g.w..][..2 * g.wo], &src[(2 * oy + 1) * g.w..][..2 * g.wo], &mut o_pl[oy * g.wo..][..g.wo]);
        }
    }
}

/// One output row of the 2×2 pool from input rows r0 and r1 (≥ 2·out.len() long; also the fused
/// conv + pool epilogue's, conv2d_pool_forward). Four outputs per step in lanes (8 inputs of each
/// row split into even and odd columns); a row's last < 4 outputs take the step ending at the
/// row's end (recomputing a few outputs with the same bits) or, on rows under 4 wide, the scalar
/// pick.
pub(super) fn maxpool2d_2x2_row(r0: &[f32], r1: &[f32], o_row: &mut [f32]) {
    let wo = o_row.len();
    let four = |r0: &[f32], r1: &[f32], o: &mut [f32]| {
        let (a0, a1) = evens_odds(load(r0[..4].try_into().unwrap()), load(r0[4..8].try_into().unwrap()));
        let (b0, b1) = evens_odds(load(r1[..4].try_into().unwrap()), load(r1[4..8].try_into().unwrap()));
        store(pick_max(pick_max(a0, a1), pick_max(b0, b1)), (&mut o[..4]).try_into().unwrap());
    };
    if wo < 4 {
        for ((o, a), b) in o_row.iter_mut().zip(r0.chunks_exact(2)).zip(r1.chunks_exact(2)) {
            *o = pick(pick(a[0], a[1]), pick(b[0], b[1]));
        }
        return;
    }
    for ox in (0..wo - 3).step_by(4) {
        four(&r0[2 * ox..], &r1[2 * ox..], &mut o_row[ox..]);
    }
    if !wo.is_multiple_of(4) {
        let ox = wo - 4;
        four(&r0[2 * ox..], &r1[2 * ox..], &mut o_row[ox..]);
    }
}

#[inline(always)]
fn pick(best: f32, v: f32) -> f32 {
    if v > best || (v.is_nan() && !best.is_nan()) { v } else { best }
}

/// The usual CNN pool (no padding, no dilation): every window lies inside the image, so the loop
/// needs no bounds tests — about 3× faster than the general one on LeNet's first pool. Same
/// results bit for bit, ties and NaN included (see the test).
fn maxpool2d_dense(x: &[f32], out: &mut [f32], arg: &mut [u32], g: &Geom) {
    let (hw, plane) = (g.h * g.w, g.plane());
    for p in 0..g.n * g.c {
        let src = &x[p * hw..][..hw];
        let (o_pl, a_pl) = (&mut out[p * plane..][..plane], &mut arg[p * plane..][..plane]);
        for oy in 0..g.ho {
            for ox in 0..g.wo {
                let base = oy * g.sh * g.w + ox * g.sw;
                let (mut best, mut at) = (src[base], base);
                for i in 0..g.kh {
                    let row = base + i * g.w;
                    for (j, &v) in src[row..][..g.kw].iter().enumerate() {
                        if v > best || (v.is_nan() && !best.is_nan()) {
                            best = v;
                            at = row + j;
                        }
                    }
                }
                o_pl[oy * g.wo + ox] = best;
                a_pl[oy * g.wo + ox] = at as u32;
            }
        }
    }
}

fn maxpool2d_general(x: &[f32], out: &mut [f32], arg: &mut [u32], g: &Geom) {
    let (hw, plane) = (g.h * g.w, g.plane());
    for p in 0..g.n * g.c {
        let src = &x[p * hw..][..hw];
        for oy in 0..g.ho {
            for ox in 0..g.wo {
                let (mut best, mut at) = (f32::NEG_INFINITY, u32::MAX);
                for i in 0..g.kh {
                    let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                    if iy < 0 || iy >= g.h as isize {
                        continue;
                    }
                    for j in 0..g.kw {
                        let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                        if ix < 0 || ix >= g.w as isize {
                            continue;
                        }
                        let idx = iy as usize * g.w + ix as usize;
                        let v = src[idx];
                        // Strictly greater keeps the first of equal maxima; the first NaN wins and
                        // stays (NaN propagates, as in PyTorch).
                        if at == u32::MAX || v > best || (v.is_nan() && !best.is_nan()) {
                            best = v;
                            at = idx as u32;
                        }
                    }
                }
                out[p * plane + oy * g.wo + ox] = best;
                arg[p * plane + oy * g.wo + ox] = at;
            }
        }
    }
}

/// gx (overwritten) = the output gradient routed to each window's maximum.
pub fn maxpool2d_backward(gy: &[f32], arg: &[u32], gx: &mut [f32], g: &Geom) {
    let (hw, plane) = (g.h * g.w, g.plane());
    gx[..g.n * g.c * hw].fill(0.0);
    for p in 0..g.n * g.c {
        for q in 0..plane {
            gx[p * hw + arg[p * plane + q] as usize] += gy[p * plane + q];
        }
    }
}

/// Average pooling; the divisor counts padding cells unless `exclude_pad` (PyTorch's
/// count_include_pad = !exclude_pad).
pub fn avgpool2d_forward(x: &[f32], out: &mut [f32], g: &Geom, exclude_pad: bool) {
    out[..g.n * g.c * g.plane()].fill(0.0);
    avgpool_apply(g, exclude_pad, |p, q, idx, inv| out[p * g.plane() + q] += x[p * g.h * g.w + idx] * inv);
}

/// gx (overwritten) from gy: each output's gradient spread evenly over its window.
pub fn avgpool2d_backward(gy: &[f32], gx: &mut [f32], g: &Geom, exclude_pad: bool) {
    gx[..g.n * g.c * g.h * g.w].fill(0.0);
    avgpool_apply(g, exclude_pad, |p, q, idx, inv| gx[p * g.h * g.w + idx] += gy[p * g.plane() + q] * inv);
}

/// Visits (plane, output index, input index in the plane, 1/divisor) for every window cell.
fn avgpool_apply(g: &Geom, exclude_pad: bool, mut f: impl FnMut(usize, usize, usize, f32)) {
    for p in 0..g.n * g.c {
        for oy in 0..g.ho {
            for ox in 0..g.wo {
                let inside = |i: usize, j: usize| {
                    let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                    let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                    (iy >= 0 && iy < g.h as isize && ix >= 0 && ix < g.w as isize).then(|| iy as usize * g.w + ix as usize)
                };
                let count = if exclude_pad { (0..g.kh).flat_map(|i| (0..g.kw).map(move |j| (i, j))).filter(|&(i, j)| inside(i, j).is_some()).count() } else { g.kh * g.kw };
                let inv = 1.0 / count.max(1) as f32;
                for i in 0..g.kh {
                    for j in 0..g.kw {
                        if let Some(idx) = inside(i, j) {
                            f(p, oy * g.wo + ox, idx, inv);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, conv2d_naive as naive, rand_vec, Lcg};

    fn geom(n: usize, c: usize, h: usize, w: usize, o: usize, k: (usize, usize), s: (usize, usize), p: (usize, usize), d: (usize, usize), groups: usize) -> Geom {
        Geom::from_slice(&[n, c, h, w, o, k.0, k.1, s.0, s.1, p.0, p.1, d.0, d.1, groups].map(|v| v as u32))
    }

    fn cases() -> Vec<Geom> {
        vec![
            geom(2, 3, 7, 6, 4, (3, 3), (1, 1), (0, 0), (1, 1), 1),
            geom(3, 2, 8, 8, 5, (3, 3), (1, 1), (1, 1), (1, 1), 1),
            geom(2, 4, 9, 7, 6, (3, 2), (2, 1), (1, 0), (1, 1), 2),
            geom(1, 3, 10, 10, 3, (3, 3), (2, 2), (2, 2), (2, 2), 3),
            geom(2, 1, 28, 28, 6, (5, 5), (1, 1), (0, 0), (1, 1), 1),
            geom(3, 2, 7, 13, 5, (3, 3), (1, 1), (1, 1), (1, 1), 1),
            geom(2, 1, 6, 23, 3, (2, 4), (1, 1), (0, 1), (1, 1), 1),
            geom(4, 6, 5, 5, 2, (1, 1), (1, 1), (0, 0), (1, 1), 2),
        ]
    }

    #[test]
    fn forward_matches_a_direct_convolution() {
        let mut rng = Lcg(7);
        for g in cases() {
            let x = rand_vec(&mut rng, g.n * g.c * g.h * g.w);
            let wt = rand_vec(&mut rng, g.o * (g.c / g.groups) * g.kh * g.kw);
            let b = rand_vec(&mut rng, g.o);
            let mut out = vec![f32::NAN; g.n * g.o * g.ho * g.wo];
            conv2d_forward(&x, &wt, &b, &mut out, &g, Act::None);
            assert_close(&out, &naive(&x, &wt, &b, &g), 1e-5, &format!("{g:?}"));
        }
    }

    /// Gradients against the naive forward's adjoint, computed by finite sums in f64:
    /// ⟨gy, conv(x + e_i)⟩ − ⟨gy, conv(x)⟩ is linear in x, so the directional derivative is exact.
    #[test]
    fn backward_is_the_adjoint_of_forward() {
        let mut rng = Lcg(9);
        for g in cases() {
            let nx = g.n * g.c * g.h * g.w;
            let nw = g.o * (g.c / g.groups) * g.kh * g.kw;
            let x = rand_vec(&mut rng, nx);
            let wt = rand_vec(&mut rng, nw);
            let gy = rand_vec(&mut rng, g.n * g.o * g.ho * g.wo);
            let (mut gx, mut gw, mut gb) = (vec![0.0; nx], vec![0.5; nw], vec![0.25; g.o]);
            conv2d_backward(&x, &wt, &gy, &mut gx, &mut gw, &mut gb, &g, true);
            let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(p, q)| *p as f64 * *q as f64).sum::<f64>();
            // ∂⟨gy, conv⟩/∂x_i = ⟨gy, conv(e_i, w)⟩ (no bias); likewise for w_i and b.
            for i in (0..nx).step_by(7) {
                let mut e = vec![0.0; nx];
                e[i] = 1.0;
                let want = dot(&gy, &naive(&e, &wt, &[], &g));
                assert!((gx[i] as f64 - want).abs() < 1e-4, "{g:?} gx[{i}]: {} vs {want}", gx[i]);
            }
            for i in 0..nw {
                let mut e = vec![0.0; nw];
                e[i] = 1.0;
                let want = 0.5 + dot(&gy, &naive(&x, &e, &[], &g));
                assert!((gw[i] as f64 - want).abs() < 1e-4, "{g:?} gw[{i}]: {} vs {want}", gw[i]);
            }
            let plane = g.ho * g.wo;
            for o in 0..g.o {
                let want = 0.25 + (0..g.n).map(|n| gy[(n * g.o + o) * plane..][..plane].iter().map(|v| *v as f64).sum::<f64>()).sum::<f64>();
                assert!((gb[o] as f64 - want).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn chunks_of_images_give_the_same_bits_as_one_chunk() {
        // A geometry whose columns exceed the budget is cut into several chunks; per image the
        // arithmetic (and so every bit) must be the same as when processed alone.
        let g = geom(40, 16, 24, 24, 8, (3, 3), (1, 1), (1, 1), (1, 1), 1);
        let fwd_chunk = fwd_part_images(&g);
        assert!(fwd_chunk > 1 && fwd_chunk < g.n && g.n % fwd_chunk != 0, "parts of several images and a short last one");
        let mut rng = Lcg(3);
        let x = rand_vec(&mut rng, g.n * g.c * g.h * g.w);
        let wt = rand_vec(&mut rng, g.o * g.c * 9);
        let mut all = vec![0.0; g.n * g.o * g.ho * g.wo];
        conv2d_forward(&x, &wt, &[], &mut all, &g, Act::None);
        let one = Geom { n: 1, ..g };
        let per = g.c * g.h * g.w;
        for n in 0..g.n {
            let mut out = vec![0.0; g.o * g.ho * g.wo];
            conv2d_forward(&x[n * per..][..per], &wt, &[], &mut out, &one, Act::None);
            assert_eq!(out.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), all[n * out.len()..][..out.len()].iter().map(|v| v.to_bits()).collect::<Vec<_>>(), "image {n}");
        }
    }

    #[test]
    fn dense_max_pool_matches_the_general_loop_with_ties_and_nan() {
        let mut rng = Lcg(9);
        for g in [geom(2, 3, 7, 6, 3, (2, 2), (2, 2), (0, 0), (1, 1), 1), geom(1, 2, 9, 8, 2, (3, 2), (1, 2), (0, 0), (1, 1), 1), geom(2, 6, 28, 28, 6, (2, 2), (2, 2), (0, 0), (1, 1), 1)] {
            // Values on a coarse grid, so windows hold equal maxima; a few NaNs.
            let x: Vec<f32> = rand_vec(&mut rng, g.n * g.c * g.h * g.w).iter().enumerate().map(|(i, v)| if i % 37 == 5 { f32::NAN } else { (v * 3.0).round() }).collect();
            let n = g.n * g.c * g.ho * g.wo;
            let (mut o1, mut a1, mut o2, mut a2) = (vec![0.0; n], vec![0u32; n], vec![0.0; n], vec![0u32; n]);
            maxpool2d_dense(&x, &mut o1, &mut a1, &g);
            maxpool2d_general(&x, &mut o2, &mut a2, &g);
            assert_eq!(a1, a2);
            assert!(o1.iter().zip(&o2).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

    #[test]
    fn pools_match_direct_loops() {
        let mut rng = Lcg(5);
        for g in [geom(2, 3, 7, 6, 3, (2, 2), (2, 2), (0, 0), (1, 1), 1), geom(1, 2, 9, 9, 2, (3, 3), (2, 2), (1, 1), (1, 1), 1), geom(1, 1, 6, 6, 1, (3, 2), (1, 2), (1, 1), (2, 1), 1)] {
            let x = rand_vec(&mut rng, g.n * g.c * g.h * g.w);
            let mut out = vec![0.0; g.n * g.c * g.ho * g.wo];
            let mut arg = vec![0u32; out.len()];
            maxpool2d_forward(&x, &mut out, &mut arg, &g);
            let mut avg = vec![0.0; out.len()];
            avgpool2d_forward(&x, &mut avg, &g, false);
            for p in 0..g.n * g.c {
                for oy in 0..g.ho {
                    for ox in 0..g.wo {
                        let (mut m, mut s) = (f32::NEG_INFINITY, 0.0f64);
                        for i in 0..g.kh {
                            for j in 0..g.kw {
                                let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                                let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                                if iy >= 0 && iy < g.h as isize && ix >= 0 && ix < g.w as isize {
                                    let v = x[p * g.h * g.w + iy as usize * g.w + ix as usize];
                                    m = m.max(v);
                                    s += v as f64;
                                }
                            }
                        }
                        let q = p * g.ho * g.wo + oy * g.wo + ox;
                        assert_eq!(out[q], m);
                        assert_eq!(x[p * g.h * g.w + arg[q] as usize], m);
                        assert!((avg[q] as f64 - s / (g.kh * g.kw) as f64).abs() < 1e-6);
                    }
                }
            }
            // Backward routes each gradient to its window's maximum.
            let gy = rand_vec(&mut rng, out.len());
            let mut gx = vec![f32::NAN; x.len()];
            maxpool2d_backward(&gy, &arg, &mut gx, &g);
            let total: f64 = gx.iter().map(|v| *v as f64).sum();
            assert!((total - gy.iter().map(|v| *v as f64).sum::<f64>()).abs() < 1e-4);
        }
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|v| v.to_bits()).collect()
    }

    #[test]
    fn forward_epilogue_applies_bias_then_activation() {
        let mut rng = Lcg(11);
        for g in cases() {
            let x = rand_vec(&mut rng, g.n * g.c * g.h * g.w);
            let wt = rand_vec(&mut rng, g.o * (g.c / g.groups) * g.kh * g.kw);
            let b = rand_vec(&mut rng, g.o);
            let mut plain = vec![0.0; g.n * g.o * g.ho * g.wo];
            conv2d_forward(&x, &wt, &b, &mut plain, &g, Act::None);
            for (act, f) in [(Act::Relu, (|v: f32| v.max(0.0)) as fn(f32) -> f32), (Act::Tanh, f32::tanh), (Act::Sigmoid, sigmoid)] {
                let mut out = vec![f32::NAN; plain.len()];
                conv2d_forward(&x, &wt, &b, &mut out, &g, act);
                assert_eq!(bits(&out), bits(&plain.iter().map(|&v| f(v)).collect::<Vec<_>>()), "{act:?} {g:?}");
            }
        }
    }

    #[test]
    fn forward_and_pools_are_bit_identical_across_thread_counts() {
        use crate::kernels::par::with_host_threads;
        let mut rng = Lcg(13);
        // LeNet-5's two convolutions and pools at batch 64 (several parts each), and odd shapes
        // (2×2 pools 8, 5 and 3 outputs wide: whole lane steps, an overlapping last step, scalar).
        for g in [geom(64, 1, 28, 28, 6, (5, 5), (1, 1), (2, 2), (1, 1), 1), geom(64, 6, 14, 14, 16, (5, 5), (1, 1), (0, 0), (1, 1), 1), geom(9, 4, 13, 11, 6, (3, 3), (2, 1), (1, 1), (1, 2), 2)] {
            let x = rand_vec(&mut rng, g.n * g.c * g.h * g.w);
            let wt = rand_vec(&mut rng, g.o * (g.c / g.groups) * g.kh * g.kw);
            let b = rand_vec(&mut rng, g.o);
            let run = |t: usize| {
                with_host_threads(t, || {
                    let mut out = vec![f32::NAN; g.n * g.o * g.ho * g.wo];
                    conv2d_forward(&x, &wt, &b, &mut out, &g, Act::Relu);
                    out
                })
            };
            let one = run(1);
            assert_close(&one, &naive(&x, &wt, &b, &g).iter().map(|v| v.max(0.0)).collect::<Vec<_>>(), 1e-5, &format!("{g:?}"));
            for t in [2, 3] {
                assert_eq!(bits(&run(t)), bits(&one), "conv {g:?} on {t} threads");
            }
        }
        for g in [geom(64, 6, 28, 28, 6, (2, 2), (2, 2), (0, 0), (1, 1), 1), geom(7, 5, 9, 8, 5, (3, 2), (2, 2), (1, 1), (1, 1), 1), geom(3, 130, 16, 17, 130, (2, 2), (2, 2), (0, 0), (1, 1), 1), geom(64, 16, 10, 10, 16, (2, 2), (2, 2), (0, 0), (1, 1), 1), geom(2, 3, 7, 6, 3, (2, 2), (2, 2), (0, 0), (1, 1), 1)] {
            let x: Vec<f32> = rand_vec(&mut rng, g.n * g.c * g.h * g.w).iter().enumerate().map(|(i, v)| if i % 41 == 3 { f32::NAN } else { (v * 3.0).round() }).collect();
            let n = g.n * g.c * g.ho * g.wo;
            let pool = |t: usize, with_arg: bool| {
                with_host_threads(t, || {
                    let (mut out, mut arg) = (vec![0.0; n], vec![0u32; if with_arg { n } else { 0 }]);
                    maxpool2d_forward(&x, &mut out, &mut arg, &g);
                    (bits(&out), arg)
                })
            };
            let (want, want_arg) = pool(1, true);
            // The indexed general loop on the whole input is the reference for values and indices.
            let (mut o2, mut a2) = (vec![0.0; n], vec![0u32; n]);
            maxpool2d_general(&x, &mut o2, &mut a2, &g);
            assert_eq!(want, bits(&o2), "{g:?}");
            assert_eq!(want_arg, a2, "{g:?}");
            for t in [1, 2, 3] {
                assert_eq!(pool(t, false).0, want, "no-index pool {g:?} on {t} threads");
                assert_eq!(pool(t, true), (want.clone(), want_arg.clone()), "indexed pool {g:?} on {t} threads");
            }
        }
    }

    /// The fused conv + activation + 2×2 pool against the two ops it replaces (the same bits) and
    /// against the naive convolution, on every path: direct (LeNet-5's first conv; 2 and 5 output
    /// channels, odd heights and widths), channels in lanes (LeNet-5's second; 9 channels, odd
    /// sizes, a pooled row under 4 wide; stride 2; tanh takes the row epilogue, the others pool
    /// in lanes), Winograd, and im2col + GEMM (stride 2, groups).
    #[test]
    fn pool_forward_is_the_conv_then_the_pool_on_every_path() {
        use crate::kernels::conv_channels::channels_applies;
        use crate::kernels::conv_direct::direct_applies;
        use crate::kernels::par::with_host_threads;
        use crate::kernels::winograd::winograd_applies;
        let mut rng = Lcg(23);
        let gs = [
            geom(64, 1, 28, 28, 6, (5, 5), (1, 1), (2, 2), (1, 1), 1),
            geom(3, 2, 13, 11, 2, (3, 3), (1, 1), (1, 1), (1, 1), 1),
            geom(2, 1, 9, 21, 5, (3, 3), (1, 1), (1, 1), (1, 1), 1),
            geom(64, 6, 14, 14, 16, (5, 5), (1, 1), (0, 0), (1, 1), 1),
            geom(2, 5, 11, 7, 9, (3, 3), (1, 1), (0, 0), (1, 1), 1),
            geom(2, 3, 13, 12, 10, (3, 3), (2, 2), (1, 1), (1, 1), 1),
            geom(3, 16, 9, 12, 16, (3, 3), (1, 1), (1, 1), (1, 1), 1),
            geom(3, 4, 15, 13, 6, (3, 3), (2, 2), (1, 1), (1, 1), 2),
        ];
        let paths = gs.map(|g| (direct_applies(&g), !direct_applies(&g) && winograd_applies(&g), channels_applies(&g)));
        assert_eq!(paths.iter().filter(|p| p.0).count(), 3);
        assert_eq!(paths.iter().filter(|p| p.1).count(), 1);
        assert_eq!(paths.iter().filter(|p| !p.0 && !p.1 && p.2).count(), 3);
        assert!(paths.iter().any(|p| *p == (false, false, false)));
        for (gi, g) in gs.into_iter().enumerate() {
            let x = rand_vec(&mut rng, g.n * g.c * g.h * g.w);
            let wt = rand_vec(&mut rng, g.o * (g.c / g.groups) * g.kh * g.kw);
            let b = rand_vec(&mut rng, g.o);
            let pg = Geom { n: g.n, c: g.o, h: g.ho, w: g.wo, o: g.o, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, groups: 1, ho: g.ho / 2, wo: g.wo / 2 };
            let np = g.n * g.o * pg.ho * pg.wo;
            for act in [Act::Relu, Act::None, Act::Tanh] {
                let mut y = vec![f32::NAN; g.n * g.o * g.ho * g.wo];
                conv2d_forward(&x, &wt, &b, &mut y, &g, act);
                let mut want = vec![f32::NAN; np];
                maxpool2d_forward(&y, &mut want, &mut [], &pg);
                if act == Act::Relu {
                    let r: Vec<f32> = naive(&x, &wt, &b, &g).iter().map(|v| v.max(0.0)).collect();
                    let mut p = vec![0.0; np];
                    maxpool2d_general(&r, &mut p, &mut vec![0; np], &pg);
                    assert_close(&want, &p, 1e-5, &format!("case {gi} {g:?}"));
                }
                for t in [1, 2, 3] {
                    let got = with_host_threads(t, || {
                        let mut out = vec![f32::NAN; np];
                        conv2d_pool_forward(&x, &wt, &b, &mut out, &g, act);
                        out
                    });
                    assert_eq!(bits(&got), bits(&want), "case {gi} {g:?} {act:?} on {t} threads");
                }
            }
        }
    }

    #[test]
    fn backward_is_bit_identical_across_thread_counts() {
        use crate::kernels::par::with_host_threads;
        let mut rng = Lcg(19);
        // Several parts each (LeNet-5's second conv at batch 64; 64→64 3×3 on 12×12, one image a
        // part), groups, and a batch of one; every subset of wanted gradients, with accumulate.
        let gs = [geom(64, 6, 14, 14, 16, (5, 5), (1, 1), (0, 0), (1, 1), 1), geom(5, 64, 12, 12, 64, (3, 3), (1, 1), (1, 1), (1, 1), 1), geom(9, 4, 13, 11, 6, (3, 3), (2, 1), (1, 1), (1, 2), 2), geom(1, 3, 6, 6, 2, (3, 3), (1, 1), (0, 0), (1, 1), 1)];
        for g in gs {
            let (nx, nw) = (g.n * g.c * g.h * g.w, g.o * (g.c / g.groups) * g.kh * g.kw);
            let x = rand_vec(&mut rng, nx);
            let wt = rand_vec(&mut rng, nw);
            let gy = rand_vec(&mut rng, g.n * g.o * g.ho * g.wo);
            let (gw0, gb0) = (rand_vec(&mut rng, nw), rand_vec(&mut rng, g.o));
            for (want_x, want_w, want_b) in [(true, true, true), (true, false, false), (false, true, true), (false, false, true)] {
                for accumulate in [false, true] {
                    let run = |t: usize| {
                        with_host_threads(t, || {
                            let mut gx = vec![f32::NAN; if want_x { nx } else { 0 }];
                            let mut gw = if want_w { gw0.clone() } else { Vec::new() };
                            let mut gb = if want_b { gb0.clone() } else { Vec::new() };
                            conv2d_backward(&x, &wt, &gy, &mut gx, &mut gw, &mut gb, &g, accumulate);
                            (bits(&gx), bits(&gw), bits(&gb))
                        })
                    };
                    let one = run(1);
                    for t in [2, 3] {
                        assert_eq!(run(t), one, "{g:?} x/w/b {want_x}/{want_w}/{want_b} accumulate {accumulate} on {t} threads");
                    }
                }
            }
        }
    }

    #[test]
    fn backward_parts_cover_every_image_when_partials_limit_the_part_count() {
        // O·k large enough that the partials budget, not the column budget, sets the part size:
        // the gradients must still be the adjoint's (every image in exactly one part).
        let g = geom(16, 64, 16, 16, 512, (3, 3), (1, 1), (1, 1), (1, 1), 1);
        let per_part = g.o * g.k() + g.o;
        assert!(g.n.div_ceil(BWD_PARTIALS_BUDGET / per_part) > (FWD_COLS_BUDGET / (g.k() * g.plane())).max(1), "partials set the part size");
        let mut rng = Lcg(23);
        let (nx, nw) = (g.n * g.c * g.h * g.w, g.o * g.k());
        let x = rand_vec(&mut rng, nx);
        let wt = rand_vec(&mut rng, nw);
        let gy = rand_vec(&mut rng, g.n * g.o * g.plane());
        let (mut gx, mut gw, mut gb) = (vec![0.0; nx], vec![0.0; nw], vec![0.0; g.o]);
        conv2d_backward(&x, &wt, &gy, &mut gx, &mut gw, &mut gb, &g, false);
        // gb is Σ gy per channel; gw[o][ci][i][j] = Σ_n,y,x gy · x(shifted); checked on a few entries in f64.
        for o in [0, 7, 511] {
            let want: f64 = (0..g.n).map(|n| gy[(n * g.o + o) * g.plane()..][..g.plane()].iter().map(|v| *v as f64).sum::<f64>()).sum();
            assert!((gb[o] as f64 - want).abs() < 1e-3, "gb[{o}]");
            for (ci, i, j) in [(0, 0, 0), (63, 1, 2), (5, 2, 1)] {
                let mut s = 0.0f64;
                for n in 0..g.n {
                    for oy in 0..g.ho {
                        for ox in 0..g.wo {
                            let (iy, ix) = (oy as isize + i as isize - 1, ox as isize + j as isize - 1);
                            if iy >= 0 && iy < g.h as isize && ix >= 0 && ix < g.w as isize {
                                s += gy[((n * g.o + o) * g.ho + oy) * g.wo + ox] as f64 * x[((n * g.c + ci) * g.h + iy as usize) * g.w + ix as usize] as f64;
                            }
                        }
                    }
                }
                let got = gw[((o * g.c + ci) * 3 + i) * 3 + j] as f64;
                assert!((got - s).abs() < 1e-3, "gw[{o}][{ci}][{i}][{j}]: {got} vs {s}");
            }
        }
        // gx of the last image (the last part) is not left at zero.
        assert!(gx[(g.n - 1) * g.c * g.h * g.w..].iter().any(|v| *v != 0.0));
    }

    #[test]
    fn direct_first_layer_path_matches_the_definition() {
        // Geometries the direct kernel takes: odd widths (a partial last tile, a last one-vector
        // tile), 1–7 and 16 output channels (every channel-tile size), padding, 3 channels × 3×3, 1×1.
        let mut rng = Lcg(17);
        let gs = [
            geom(2, 1, 28, 28, 6, (5, 5), (1, 1), (2, 2), (1, 1), 1),
            geom(3, 3, 9, 13, 7, (3, 3), (1, 1), (1, 1), (1, 1), 1),
            geom(1, 2, 6, 5, 1, (3, 2), (1, 1), (0, 1), (1, 1), 1),
            geom(2, 1, 4, 11, 3, (1, 1), (1, 1), (0, 0), (1, 1), 1),
            geom(1, 1, 27, 27, 16, (3, 3), (1, 1), (0, 0), (1, 1), 1),
            geom(2, 2, 7, 10, 5, (3, 3), (1, 1), (1, 1), (1, 1), 1),
            geom(1, 1, 5, 9, 2, (5, 5), (1, 1), (2, 2), (1, 1), 1),
        ];
        for g in gs {
            assert!(direct_applies(&g), "{g:?}");
            let x = rand_vec(&mut rng, g.n * g.c * g.h * g.w);
            let wt = rand_vec(&mut rng, g.o * g.c * g.kh * g.kw);
            let b = rand_vec(&mut rng, g.o);
            for act in [Act::None, Act::Relu, Act::Tanh] {
                let mut out = vec![f32::NAN; g.n * g.o * g.ho * g.wo];
                conv2d_forward(&x, &wt, &b, &mut out, &g, act);
                let want: Vec<f32> = naive(&x, &wt, &b, &g).iter().map(|&v| match act { Act::Relu => v.max(0.0), Act::Tanh => v.tanh(), _ => v }).collect();
                assert_close(&out, &want, 1e-5, &format!("{act:?} {g:?}"));
            }
        }
        // Past the depth limit, or strided, the GEMM path takes over.
        assert!(!direct_applies(&geom(1, 4, 8, 8, 2, (3, 3), (1, 1), (0, 0), (1, 1), 1)));
        assert!(!direct_applies(&geom(1, 1, 8, 8, 2, (3, 3), (2, 2), (0, 0), (1, 1), 1)));
        assert!(!direct_applies(&geom(1, 1, 8, 8, 1 << 17, (3, 3), (1, 1), (0, 0), (1, 1), 1)), "more channels than the pre-broadcast weights may take");
    }
}
