//! Blocked, packed f32 GEMM (the BLIS loop structure) behind `kernels::matmul`.
//!
//! C[m×n] (+)= A[m×k]·B[k×n] where A and B are strided views, so the transposed layouts of
//! backprop are just other strides. Depth is cut into KC blocks, B into NC-column blocks and A
//! into MC-row blocks; each block is packed into strips (pack.rs) and multiplied tile by tile by
//! the microkernel (micro.rs): a B strip (KC×8) stays in L1 while the A block streams from L2.

mod micro;
mod pack;
mod packed;

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use micro::{a_quads, tile};
pub use pack::Mat;
pub use packed::{gemm_packed, PackedB};
use pack::{pack_strip, pack_strip_splat, Quad};
use super::lanes;

/// Rows of a C tile; its columns are NR = 8 (two vectors), or 4 for a last strip of ≤ 4 columns.
const MR: usize = 4;
const NR: usize = 8;
const KC: usize = 256;
const MC: usize = 64;
const NC: usize = 512;

/// From this many columns of C on, A may be packed pre-broadcast (4 copies of each value) so the
/// SIMD128 kernel multiplies by plain loads: on an AMD EPYC under V8 this ran ~15% faster than
/// broadcast loads, which pays for the 4× larger A strips once each is reused by enough B strips.
/// On an Intel Xeon the plain paths ran 6–15% faster instead, so whether it is done is set per
/// machine (`gemm_packing`). With relaxed SIMD the fused multiply-add kernel is faster with
/// broadcast loads throughout.
const PRE_MIN_N: usize = if cfg!(target_feature = "relaxed-simd") { usize::MAX } else { 64 };
const SWAP_MIN_K: usize = 32;

/// `gemm_packing` modes: A pre-broadcast from PRE_MIN_N on (the rule measured on AMD), or plain.
pub const PACKING_PRE: u32 = 1;
pub const PACKING_PLAIN: u32 = 2;

/// Whether `path_of` packs A pre-broadcast. An atomic static, not a thread-local: the threads
/// build's pool workers share linear memory, so a product split over them follows one setting
/// (the paths agree bit for bit anyway; this keeps each part on the chosen speed).
static PRE_BROADCAST: AtomicBool = AtomicBool::new(true);

/// Sets how `gemm`'s rule packs A for the products where it matters (`mode`: PACKING_PRE or
/// PACKING_PLAIN; 0 only asks) and returns the mode in effect — PACKING_PLAIN on the relaxed
/// build, whose rule never pre-broadcasts. Meant to be set once, at init, from a measurement on
/// the machine at hand (ts/backend/gemm-packing.ts): which is faster depends on the CPU, not
/// the shape. Every path gives the same bits, so the setting changes no result.
pub fn gemm_packing(mode: u32) -> u32 {
    match mode {
        0 => {}
        PACKING_PRE => PRE_BROADCAST.store(true, Relaxed),
        PACKING_PLAIN => PRE_BROADCAST.store(false, Relaxed),
        _ => panic!("gemm_packing: no mode {mode}"),
    }
    if PRE_MIN_N != usize::MAX && PRE_BROADCAST.load(Relaxed) { PACKING_PRE } else { PACKING_PLAIN }
}

thread_local! {
    // Packing buffers, kept between calls: after the first call of the largest shape, matmul
    // allocates nothing. Each thread has its own (a wasm pool worker is an instance with its own
    // thread-locals; on the host, each test thread).
    static SCRATCH: Cell<Vec<Quad>> = const { Cell::new(Vec::new()) };
}

/// Up to this many multiply-adds a product runs as plain loops (`small`): for the layers of the
/// book's tiny nets (XOR 2-3-1, the 3-4-1 streetlight net), a dozen multiply-adds, the packed
/// path's scratch buffers, packing and edge-tile copies are most of the product's time.
pub(crate) const SMALL_MACS: usize = 256;

/// Below this many multiply-adds a product runs on one thread: a part must be worth more than
/// waking a thread and packing B again (each part packs all of B).
const PAR_MIN_MACS: usize = 1 << 17;

/// How the blocked loops see a product (chosen on the whole shape, so a split product takes
/// the same path as an unsplit one and every element is summed in the same order). Every path
/// sums each element over the same KC depth blocks in the same order, so all give the same bits;
/// they differ in speed, by shape and by CPU (`gemm_via`).
#[derive(Clone, Copy)]
enum Path {
    Pre,
    PreSwapped,
    Plain,
    /// Plain on the transposed product, as PreSwapped: A packed 4 floats per depth step instead
    /// of pre-broadcast (a quarter of the packing stores), each value broadcast by the kernel's
    /// load — on Intel cores a load µop like any other; on AMD a shuffle (see PRE_MIN_N).
    PlainSwapped,
    /// Fewer rows than a tile (one sample: x·W in per-example SGD, an agent acting on one frame)
    /// with B's rows contiguous: no packing. The packed path would copy all of B into strips and
    /// then waste MR − m of every tile's rows; this streams B's rows once per row of C instead.
    Rows,
}

/// C (+)= A·B with A an m×k view and B a k×n view; C is row-major m×n (row stride n).
/// With a thread pool, C's rows are cut into one part per thread; the results are the same
/// bits as on one thread (each element is still summed over the same depth order).
pub fn gemm(a: Mat, b: Mat, c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    gemm_with(a, b, None, None, c, m, k, n, accumulate);
}

/// The blocked paths a caller may ask for by number: 1 Pre, 2 PreSwapped, 3 Plain, 4 PlainSwapped
/// (0 leaves the choice to `gemm`'s rule). A compiled step times them on its own products and
/// keeps the fastest (ts/compile/tune.ts): the rule's thresholds were measured on one CPU, and
/// for a product run every step a measurement on this one is worth its milliseconds.
pub const VIA_PATHS: u32 = 5;

/// `gemm` through path `via` (< VIA_PATHS): the same bits as `gemm`, whatever the path.
#[allow(clippy::too_many_arguments)]
pub fn gemm_via(via: u32, a: Mat, b: Mat, c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    let path = match via {
        0 => None,
        1 => Some(Path::Pre),
        2 => Some(Path::PreSwapped),
        3 => Some(Path::Plain),
        4 => Some(Path::PlainSwapped),
        _ => panic!("gemm_via: no path {via}"),
    };
    gemm_with(a, b, None, path, c, m, k, n, accumulate);
}

/// `gemm`, with B's strips already packed (`pre_b`, laid out by `pack_b_block` block after
/// block) when the caller multiplies many A by the same B; only for the Pre and Plain paths.
/// `via`: a path instead of `path_of`'s.
#[allow(clippy::too_many_arguments)]
fn gemm_with(a: Mat, b: Mat, pre_b: Option<&[Quad]>, via: Option<Path>, c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c[..m * n].fill(0.0);
        }
        return;
    }
    if m * k * n <= SMALL_MACS && !cfg!(target_feature = "relaxed-simd") {
        small(a, b, c, m, k, n, accumulate);
        return;
    }
    let path = via.unwrap_or_else(|| path_of(m, k, n, b));
    let threads = super::par::threads();
    // Rows per part: a multiple of 8 (the swapped path's strips are 8 of C's rows wide).
    let rows = m.div_ceil(threads).next_multiple_of(8);
    if threads <= 1 || m * k * n < PAR_MIN_MACS || rows >= m {
        rows_of(path, a, b, pre_b, c, m, k, n, accumulate);
        return;
    }
    let mut parts: Vec<(usize, &mut [f32])> = c[..m * n].chunks_mut(rows * n).enumerate().map(|(i, ci)| (i * rows, ci)).collect();
    super::par::for_each_mut(&mut parts, &|(i0, ci)| {
        let sub = Mat { data: &a.data[*i0 * a.rs..], ..a };
        rows_of(path, sub, b, pre_b, ci, ci.len() / n, k, n, accumulate);
    });
}

/// Parts a batched product is cut into per thread: more than one, so that matrices of uneven
/// cost (edge tiles, the last row block) even out over the threads.
const PARTS_PER_THREAD: usize = 4;

/// A batch of products into consecutive m×n matrices of C: matrix t (+)= Σ_j A_j·B_j over its
/// `per_c` terms `terms[t·per_c + j]`, each an (A, B) pair of element offsets into `a.data` and
/// `b.data`. Several terms per matrix are the gradient of a broadcast operand; they are added in
/// order, and no term count reads C unless `accumulate`. With a thread pool, parts are cut over
/// matrices × row blocks (so a batch of small matrices still fills the threads); every element
/// is summed in the same order as on one thread, so the bits do not depend on the thread count.
#[allow(clippy::too_many_arguments)]
pub fn gemm_batched(a: Mat, b: Mat, c: &mut [f32], m: usize, k: usize, n: usize, terms: &[(usize, usize)], per_c: usize, accumulate: bool) {
    let mn = m * n;
    if mn == 0 {
        return;
    }
    let mats = terms.len().checked_div(per_c).unwrap_or(c.len() / mn);
    let c = &mut c[..mats * mn];
    if k == 0 || per_c == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    let path = path_of(m, k, n, b);
    let one = |t: usize, i0: usize, ci: &mut [f32]| {
        for (j, &(ao, bo)) in terms[t * per_c..(t + 1) * per_c].iter().enumerate() {
            let sub = Mat { data: &a.data[ao + i0 * a.rs..], ..a };
            rows_of(path, sub, Mat { data: &b.data[bo..], ..b }, None, ci, ci.len() / n, k, n, accumulate || j > 0);
        }
    };
    let threads = super::par::threads();
    if threads <= 1 || terms.len() * m * k * n < PAR_MIN_MACS {
        for (t, ct) in c.chunks_mut(mn).enumerate() {
            one(t, 0, ct);
        }
        return;
    }
    let want = threads * PARTS_PER_THREAD;
    // Row blocks per matrix: enough for `want` parts in all; a multiple of 8 rows, as in `gemm`.
    let rows = m.div_ceil(want.div_ceil(mats)).next_multiple_of(8).min(m);
    let mut blocks: Vec<(usize, usize, &mut [f32])> =
        c.chunks_mut(mn).enumerate().flat_map(|(t, ct)| ct.chunks_mut(rows * n).enumerate().map(move |(r, ci)| (t, r * rows, ci))).collect();
    let per_part = blocks.len().div_ceil(want);
    let mut parts: Vec<&mut [(usize, usize, &mut [f32])]> = blocks.chunks_mut(per_part).collect();
    super::par::for_each_mut(&mut parts, &|part| {
        for (t, i0, ci) in part.iter_mut() {
            one(*t, *i0, ci);
        }
    });
}

fn path_of(m: usize, k: usize, n: usize, b: Mat) -> Path {
    if m < MR && b.cs == 1 && !cfg!(target_feature = "relaxed-simd") {
        // (The relaxed build's packed kernel fuses multiply and add; this loop does not, so there
        // it would round differently from the tile it replaces.)
        Path::Rows
    } else if n >= PRE_MIN_N {
        if PRE_BROADCAST.load(Relaxed) { Path::Pre } else { Path::Plain }
    } else if m >= PRE_MIN_N && k >= SWAP_MIN_K {
        if PRE_BROADCAST.load(Relaxed) { Path::PreSwapped } else { Path::PlainSwapped }
    } else {
        Path::Plain
    }
}

/// One thread's product, through `path`, with this thread's packing buffers.
#[allow(clippy::too_many_arguments)]
fn rows_of(path: Path, a: Mat, b: Mat, pre_b: Option<&[Quad]>, c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    let mut buf = SCRATCH.take();
    debug_assert!(pre_b.is_none() || matches!(path, Path::Pre | Path::Plain));
    match path {
        Path::Pre => blocked::<true, false>(a, b, pre_b, c, m, k, n, (n, 1), accumulate, &mut buf),
        Path::PreSwapped => {
            // Few columns, many rows (X·W with a narrow layer): computing Cᵀ = Bᵀ·Aᵀ puts the many
            // rows on the side that reuses the pre-broadcast strips; tiles are stored transposed.
            // (Not for shallow products, where the transposed stores cost more than they save.)
            let (bt, at) = (Mat { data: b.data, rs: b.cs, cs: b.rs }, Mat { data: a.data, rs: a.cs, cs: a.rs });
            blocked::<true, true>(bt, at, None, c, n, k, m, (1, n), accumulate, &mut buf)
        }
        Path::Plain => blocked::<false, false>(a, b, pre_b, c, m, k, n, (n, 1), accumulate, &mut buf),
        Path::PlainSwapped => {
            let (bt, at) = (Mat { data: b.data, rs: b.cs, cs: b.rs }, Mat { data: a.data, rs: a.cs, cs: a.rs });
            blocked::<false, true>(bt, at, None, c, n, k, m, (1, n), accumulate, &mut buf)
        }
        Path::Rows => rows_unpacked(a, b, c, m, k, n, accumulate, &mut buf),
    }
    SCRATCH.set(buf);
}

/// C (+)= A·B row by row without packing, for m < MR and B with contiguous rows (b.cs = 1). Each
/// element is summed exactly as the microkernel sums it — over one KC depth block at a time, from
/// zero, `a·b + acc` in depth order, then added to (or stored in) C — so the bits are the same as
/// the packed path's for the same shape.
#[allow(clippy::too_many_arguments)]
fn rows_unpacked(a: Mat, b: Mat, c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool, buf: &mut Vec<Quad>) {
    let nq = n.div_ceil(4);
    if buf.len() < nq {
        buf.resize(nq, Quad::default());
    }
    // The depth block's sums, 4 columns per quad (the scratch the packed path would have used).
    let t = &mut buf[..nq];
    for i in 0..m {
        let ci = &mut c[i * n..][..n];
        for pc in (0..k).step_by(KC) {
            t.fill(Quad::default());
            for p in pc..(pc + KC).min(k) {
                let s = a.data[i * a.rs + p * a.cs];
                let sv = lanes::splat(s);
                let row = &b.data[p * b.rs..][..n];
                let (full, tail) = row.split_at(n / 4 * 4);
                // madd is a·b + c: the microkernel's operation, so the same rounding.
                for (q, ys) in t.iter_mut().zip(full.chunks_exact(4)) {
                    let y: &[f32; 4] = ys.try_into().unwrap();
                    lanes::store(lanes::madd(sv, lanes::load(y), lanes::load(&q.0)), &mut q.0);
                }
                if !tail.is_empty() {
                    for (x, &y) in t[n / 4].0.iter_mut().zip(tail) {
                        *x = s * y + *x;
                    }
                }
            }
            let add_c = accumulate || pc > 0;
            for (cs, q) in ci.chunks_mut(4).zip(t.iter()) {
                for (x, &y) in cs.iter_mut().zip(&q.0) {
                    *x = if add_c { y + *x } else { y };
                }
            }
        }
    }
}

/// C (+)= A·B for tiny products, each element summed exactly as the microkernel sums it — per KC
/// depth block from zero, `a·b + acc` in depth order, the block's sum then stored in or added to
/// C — so the bits are those of the packed paths for the same shape. (Not in the relaxed build,
/// whose packed kernel fuses the multiply-add.) The loop order follows the layout, so the inner
/// loop walks contiguous memory without bounds checks; the order of each element's sum is the same.
fn small(a: Mat, b: Mat, c: &mut [f32], m: usize, k: usize, n: usize, accumulate: bool) {
    let c = &mut c[..m * n];
    if k <= KC && !accumulate && b.cs == 1 {
        // matmul, matmul_tn: C's row i is built up over the depth, a row of B at a time.
        for (i, ci) in c.chunks_exact_mut(n).enumerate() {
            ci.fill(0.0);
            for p in 0..k {
                let s = a.data[i * a.rs + p * a.cs];
                for (x, &v) in ci.iter_mut().zip(&b.data[p * b.rs..][..n]) {
                    *x = s * v + *x;
                }
            }
        }
    } else if k <= KC && a.cs == 1 && b.rs == 1 {
        // matmul_nt: each element is a dot product of two contiguous rows.
        for (i, ci) in c.chunks_exact_mut(n).enumerate() {
            let ai = &a.data[i * a.rs..][..k];
            for (j, x) in ci.iter_mut().enumerate() {
                let acc = ai.iter().zip(&b.data[j * b.cs..][..k]).fold(0.0f32, |acc, (&u, &v)| u * v + acc);
                *x = if accumulate { acc + *x } else { acc };
            }
        }
    } else {
        for i in 0..m {
            for j in 0..n {
                let x = &mut c[i * n + j];
                for pc in (0..k).step_by(KC) {
                    let mut acc = 0.0f32;
                    for p in pc..(pc + KC).min(k) {
                        acc = a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs] + acc;
                    }
                    *x = if accumulate || pc > 0 { acc + *x } else { acc };
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn run_tile<const PRE: bool, const TRANS: bool>(w: usize, ap: &[Quad], bp: &[Quad], kc: usize, c: &mut [f32], off: usize, ldc: usize, add_c: bool) {
    if w == NR {
        tile::<MR, { NR / 4 }, PRE, TRANS>(ap, bp, kc, c, off, ldc, add_c);
    } else {
        tile::<MR, 1, PRE, TRANS>(ap, bp, kc, c, off, ldc, add_c);
    }
}

/// Quads of one packed (NC-column, KC-depth) block of B.
fn b_block_len(nc: usize, kc: usize) -> usize {
    nc.div_ceil(NR) * (NR / 4) * kc
}

/// Packs B's columns jc..jc+nc at depths pc..pc+kc into `dst[..b_block_len(nc, kc)]`, strip by strip.
fn pack_b_block(b: Mat, jc: usize, nc: usize, pc: usize, kc: usize, dst: &mut [Quad]) {
    // B(p, j) = data[p·rs + j·cs]: a B strip has columns as lanes and rows as depth.
    for jr in (0..nc).step_by(NR) {
        let (base, cols) = (pc * b.rs + (jc + jr) * b.cs, NR.min(nc - jr));
        let dst = &mut dst[jr / 4 * kc..];
        if cols <= 4 {
            pack_strip::<4>(b.data, base, b.cs, b.rs, cols, kc, dst);
        } else {
            pack_strip::<NR>(b.data, base, b.cs, b.rs, cols, kc, dst);
        }
    }
}

#[allow(clippy::too_many_arguments)]
/// C (+)= A·B with C(i, j) at `c[i·c_rs + j·c_cs]`; `TRANS` says (c_rs, c_cs) = (1, ldc).
/// B's blocks are packed here, or read from `pre_b` (all of them, in the loops' order).
fn blocked<const PRE: bool, const TRANS: bool>(
    a: Mat, b: Mat, pre_b: Option<&[Quad]>, c: &mut [f32], m: usize, k: usize, n: usize, (c_rs, c_cs): (usize, usize), accumulate: bool, buf: &mut Vec<Quad>,
) {
    let aq = a_quads::<MR, PRE>();
    let a_len = m.min(MC).div_ceil(MR) * aq * k.min(KC);
    let b_len = if pre_b.is_some() { 0 } else { b_block_len(n.min(NC), k.min(KC)) };
    if buf.len() < a_len + b_len {
        buf.resize(a_len + b_len, Quad::default());
    }
    let (abuf, rest) = buf.split_at_mut(a_len);
    let bbuf = &mut rest[..b_len];
    let mut edge = [0.0f32; MR * NR];
    let mut b_off = 0;

    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            let bblock: &[Quad] = match pre_b {
                Some(all) => {
                    b_off += b_block_len(nc, kc);
                    &all[b_off - b_block_len(nc, kc)..b_off]
                }
                None => {
                    pack_b_block(b, jc, nc, pc, kc, bbuf);
                    &*bbuf
                }
            };
            // The first depth block overwrites C unless the caller accumulates.
            let add_c = accumulate || pc > 0;
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                for ir in (0..mc).step_by(MR) {
                    let (base, rows) = ((ic + ir) * a.rs + pc * a.cs, MR.min(mc - ir));
                    let dst = &mut abuf[ir / MR * aq * kc..(ir / MR + 1) * aq * kc];
                    if PRE {
                        pack_strip_splat::<MR>(a.data, base, a.rs, a.cs, rows, kc, dst);
                    } else {
                        pack_strip::<MR>(a.data, base, a.rs, a.cs, rows, kc, dst);
                    }
                }
                for jr in (0..nc).step_by(NR) {
                    let cols = NR.min(nc - jr);
                    // Tile width: a last strip of ≤ 4 columns gets the one-vector kernel.
                    let w = if cols <= 4 { 4 } else { NR };
                    let bp = &bblock[jr / 4 * kc..];
                    for ir in (0..mc).step_by(MR) {
                        let ap = &abuf[ir / MR * aq * kc..];
                        let (off, rows) = ((ic + ir) * c_rs + (jc + jr) * c_cs, MR.min(mc - ir));
                        if rows == MR && cols == w {
                            run_tile::<PRE, TRANS>(w, ap, bp, kc, c, off, if TRANS { c_cs } else { c_rs }, add_c);
                        } else {
                            // Edge tile: computed whole into `edge`, then its valid part is added or copied.
                            run_tile::<PRE, false>(w, ap, bp, kc, &mut edge, 0, w, false);
                            for (r, src) in edge.chunks_exact(w).take(rows).enumerate() {
                                for (j, &v) in src[..cols].iter().enumerate() {
                                    let x = &mut c[off + r * c_rs + j * c_cs];
                                    *x = if add_c { *x + v } else { v };
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod rows_tests {
    use super::*;
    use crate::kernels::testutil::{rand_vec, Lcg};

    /// The unpacked path for m < MR gives the same bits as the packed tiles it replaces, for
    /// depths across several KC blocks, column counts around the vector width, and accumulate.
    #[test]
    fn rows_path_has_the_packed_paths_bits() {
        let mut rng = Lcg(11);
        for &(m, k, n) in &[(1, 1, 1), (1, 7, 3), (2, 300, 9), (3, 513, 64), (1, 784, 40), (1, 6400, 200), (3, 5, 130)] {
            let a = rand_vec(&mut rng, m * k);
            let b = rand_vec(&mut rng, k * n);
            let c0 = rand_vec(&mut rng, m * n);
            for accumulate in [false, true] {
                let (am, bm) = (Mat { data: &a, rs: k, cs: 1 }, Mat { data: &b, rs: n, cs: 1 });
                let (mut fast, mut packed) = (c0.clone(), c0.clone());
                let mut buf = Vec::new();
                rows_unpacked(am, bm, &mut fast, m, k, n, accumulate, &mut buf);
                if n >= PRE_MIN_N {
                    blocked::<true, false>(am, bm, None, &mut packed, m, k, n, (n, 1), accumulate, &mut buf);
                } else {
                    blocked::<false, false>(am, bm, None, &mut packed, m, k, n, (n, 1), accumulate, &mut buf);
                }
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fast), bits(&packed), "m={m} k={k} n={n} accumulate={accumulate}");
            }
        }
    }

    /// Every path `gemm_via` offers gives `gemm`'s bits: all three layouts of backprop, edge rows
    /// and columns, depths over several KC blocks, the ch.8 MLP's products, accumulate, 1 and 3 threads.
    #[test]
    fn gemm_via_every_path_has_gemms_bits() {
        let mut rng = Lcg(17);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for &(m, k, n) in &[(100, 784, 40), (784, 100, 40), (100, 40, 10), (2, 300, 9), (13, 513, 70), (66, 40, 12), (9, 7, 130), (70, 260, 5)] {
            let a = rand_vec(&mut rng, m * k);
            let b = rand_vec(&mut rng, k * n);
            let c0 = rand_vec(&mut rng, m * n);
            for (ars, acs, brs, bcs) in [(k, 1, n, 1), (k, 1, 1, k), (1, m, n, 1)] {
                let (am, bm) = (Mat { data: &a, rs: ars, cs: acs }, Mat { data: &b, rs: brs, cs: bcs });
                for accumulate in [false, true] {
                    let mut want = c0.clone();
                    gemm(am, bm, &mut want, m, k, n, accumulate);
                    for via in 0..VIA_PATHS {
                        for threads in [1, 3] {
                            let mut got = c0.clone();
                            crate::kernels::par::with_host_threads(threads, || gemm_via(via, am, bm, &mut got, m, k, n, accumulate));
                            assert_eq!(bits(&got), bits(&want), "{m}x{k}x{n} strides {ars},{acs},{brs},{bcs} via={via} accumulate={accumulate} threads={threads}");
                        }
                    }
                }
            }
        }
    }

    /// `gemm_packing` switches the rule's pre-broadcast paths to their plain twins and nothing
    /// else (Rows and the small-n Plain path stay), reports the mode, and refuses an unknown one.
    /// (Other tests running meanwhile are unaffected: every path gives the same bits.)
    #[test]
    fn gemm_packing_sets_the_rules_paths() {
        let b = [0f32; 1];
        let (rowmajor, colmajor) = (Mat { data: &b, rs: 64, cs: 1 }, Mat { data: &b, rs: 1, cs: 64 });
        let paths = || {
            [(256, 256, 256, rowmajor), (100, 784, 40, rowmajor), (2, 784, 100, rowmajor), (2, 784, 100, colmajor), (10, 20, 30, rowmajor)]
                .map(|(m, k, n, b)| path_of(m, k, n, b))
        };
        assert_eq!(gemm_packing(PACKING_PLAIN), PACKING_PLAIN);
        assert_eq!(gemm_packing(0), PACKING_PLAIN);
        let plain = paths();
        assert_eq!(gemm_packing(PACKING_PRE), PACKING_PRE);
        let pre = paths();
        assert!(matches!(pre, [Path::Pre, Path::PreSwapped, Path::Rows, Path::Pre, Path::Plain]));
        assert!(matches!(plain, [Path::Plain, Path::PlainSwapped, Path::Rows, Path::Plain, Path::Plain]));
        assert!(std::panic::catch_unwind(|| gemm_packing(3)).is_err());
        assert_eq!(gemm_packing(0), PACKING_PRE);
    }

    /// The plain loops of tiny products give the packed paths' bits in all three layouts of
    /// backprop, with accumulate, across a KC depth block, and with signed zeros and a NaN.
    #[test]
    fn small_path_has_the_packed_paths_bits() {
        let mut rng = Lcg(5);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for &(m, k, n) in &[(1, 1, 1), (4, 2, 3), (4, 3, 1), (1, 3, 4), (4, 4, 1), (3, 4, 4), (2, 4, 3), (5, 7, 6), (9, 3, 9), (1, 300, 1), (2, 260, 1)] {
            let mut a = rand_vec(&mut rng, m * k);
            let b = rand_vec(&mut rng, k * n);
            if m * k > 2 {
                a[1] = -0.0;
                a[0] = 0.0;
            }
            let c0 = rand_vec(&mut rng, m * n);
            // (rs, cs) of A and B for matmul, matmul_nt (B transposed) and matmul_tn (A transposed).
            for (ars, acs, brs, bcs) in [(k, 1, n, 1), (k, 1, 1, k), (1, m, n, 1)] {
                for accumulate in [false, true] {
                    let (am, bm) = (Mat { data: &a, rs: ars, cs: acs }, Mat { data: &b, rs: brs, cs: bcs });
                    let (mut fast, mut packed) = (c0.clone(), c0.clone());
                    let mut buf = Vec::new();
                    small(am, bm, &mut fast, m, k, n, accumulate);
                    blocked::<false, false>(am, bm, None, &mut packed, m, k, n, (n, 1), accumulate, &mut buf);
                    assert_eq!(bits(&fast), bits(&packed), "m={m} k={k} n={n} strides {ars},{acs},{brs},{bcs} accumulate={accumulate}");
                }
            }
        }
        // A NaN stays in its row, as in the packed path.
        let (a, b) = ([1.0, f32::NAN, 2.0, 3.0], [1.0f32, 2.0, 3.0, 4.0]);
        let mut c = [0.0f32; 4];
        small(Mat { data: &a, rs: 2, cs: 1 }, Mat { data: &b, rs: 2, cs: 1 }, &mut c, 2, 2, 2, false);
        assert!(c[0].is_nan() && c[1].is_nan() && c[2] == 11.0 && c[3] == 16.0, "{c:?}");
    }
}
