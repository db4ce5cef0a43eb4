//! 3×3 convolution, stride 1, by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray 2016):
//! each 2×2 block of outputs ("tile") is Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A over the 4×4 input patch d, so
//! the 36 multiply-adds per tile and channel pair of the direct sum become 16. Summed over input
//! channels, the 16 products of a tile are 16 independent GEMMs, M_ξ[O, tiles] = U_ξ[O, C] ·
//! V_ξ[C, tiles], which run through the packed GEMM; the transforms are adds and subtracts, done
//! four tiles at a time in SIMD lanes. That leaves 16/36 of the direct sum's multiply-adds
//! (2.25× fewer) plus transforms that cost O(C + O) per tile instead of O(C·O).
//!
//! F(2×2, 3×3) and not F(4×4, 3×3): the larger tile saves more (4×) but its transform matrices
//! hold ±1/4, ±1/2, 2, 4, 5, 8, and its f32 error grows about tenfold; the 2×2 tile's transforms
//! are exact in ±1 and ½, so its error stays that of the direct sum times a small constant (see
//! the test).
//!
//! Order of work: a part's tile rows are taken in blocks whose transformed inputs and products fit
//! L2 (BLOCK_FLOATS); each block is input transform → 16 GEMMs → output transform, and bias and
//! activation are added on the way out as in the im2col path. Every tile's arithmetic is the same
//! whatever block and part it falls in (the GEMM sums each element the same way for any number of
//! columns), so the bits do not depend on the thread count.
use super::conv::{epilogue, Geom};
use super::dense::Act;
use super::lanes::{add, interleave_hi, interleave_lo, load, store, sub, V};
use super::matmul::matmul;

/// Fewest input and output channels the Winograd path takes: the transforms cost per channel, the
/// saving per channel pair. Measured on one thread (CPU ms of a 32×32 batch-32 'same' forward,
/// im2col → Winograd, at load 12): C = O = 4: 1.16 → 1.41 (slower); 8: 2.50 → 2.38; 12: 4.42 →
/// 4.16; 16: 7.05 → 5.65; 32: 23.2 → 15.7; 64: 85.8 → 51.9.
pub const WINOGRAD_MIN_C: usize = 8;
pub const WINOGRAD_MIN_O: usize = 8;

/// Floats of one block's transformed input (16·C·tiles) and products (16·O·tiles): ~1 MiB, half of
/// this machine's per-core L2, so the GEMMs read V and the output transform reads M from L2.
const BLOCK_FLOATS: usize = 1 << 18;

/// Most channel pairs (C·O) taken: the transformed weights are 16/9 of the weights, allocated per
/// call, so a layer whose weights already fill much of wasm memory stays on the im2col path.
const WINOGRAD_MAX_CO: usize = 1 << 20;

pub fn winograd_applies(g: &Geom) -> bool {
    g.groups == 1 && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.c >= WINOGRAD_MIN_C && g.o >= WINOGRAD_MIN_O && g.c * g.o <= WINOGRAD_MAX_CO
}

/// Tiles across a row (rounded up to whole vectors: tiles past the image's edge read zeros and
/// their outputs are dropped), tile rows per image, tile rows per block.
struct Tiles {
    across: usize,
    down: usize,
    rows: usize,
}

fn tiles(g: &Geom) -> Tiles {
    let across = g.wo.div_ceil(2).next_multiple_of(4);
    let down = g.ho.div_ceil(2);
    let rows = (BLOCK_FLOATS / (16 * (g.c + g.o) * across)).max(1);
    Tiles { across, down, rows }
}

/// Floats of transformed weights: U[ξ][o][c].
pub fn winograd_weights_len(g: &Geom) -> usize {
    16 * g.o * g.c
}

/// U[ξ][o][c] = (G w[o][c] Gᵀ)[ξ], G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]]; in f64,
/// rounded once.
pub fn winograd_weights(wt: &[f32], g: &Geom, u: &mut [f32]) {
    let (oc, k) = (g.o * g.c, 9);
    for (p, w) in wt[..oc * k].chunks_exact(k).enumerate() {
        let w: [f64; 9] = core::array::from_fn(|i| w[i] as f64);
        // G·w: 4 rows of 3.
        let gw: [[f64; 3]; 4] = core::array::from_fn(|r| core::array::from_fn(|j| match r {
            0 => w[j],
            1 => (w[j] + w[3 + j] + w[6 + j]) / 2.0,
            2 => (w[j] - w[3 + j] + w[6 + j]) / 2.0,
            _ => w[6 + j],
        }));
        for (r, row) in gw.iter().enumerate() {
            let t = [row[0], (row[0] + row[1] + row[2]) / 2.0, (row[0] - row[1] + row[2]) / 2.0, row[2]];
            for (s, v) in t.iter().enumerate() {
                u[(r * 4 + s) * oc + p] = *v as f32;
            }
        }
    }
}

/// Scratch floats for a part: V and M of a block, 4 input rows split into even and odd columns,
/// and 2 output rows.
pub fn winograd_scratch(g: &Geom) -> usize {
    let t = tiles(g);
    let nt = t.rows * t.across;
    16 * (g.c + g.o) * nt + 8 * (t.across + 1) + 4 * t.across
}

/// out (images n0.. of the part, [nb, O, Ho, Wo]) = act(conv(x) + b), from the transformed
/// weights `u` (winograd_weights).
#[allow(clippy::too_many_arguments)]
pub fn conv2d_winograd(x: &[f32], u: &[f32], b: &[f32], out: &mut [f32], g: &Geom, n0: usize, nb: usize, act: Act, scratch: &mut [f32]) {
    let t = tiles(g);
    let total = nb * t.down;
    let (vm, rest) = scratch.split_at_mut(16 * (g.c + g.o) * t.rows * t.across);
    let (eo, yrows) = rest.split_at_mut(8 * (t.across + 1));
    for r0 in (0..total).step_by(t.rows) {
        let rb = t.rows.min(total - r0);
        let nt = rb * t.across;
        let (v, m) = vm.split_at_mut(16 * g.c * nt);
        let m = &mut m[..16 * g.o * nt];
        for q in 0..rb {
            let (bi, ty) = ((r0 + q) / t.down, (r0 + q) % t.down);
            for c in 0..g.c {
                let plane = &x[((n0 + bi) * g.c + c) * g.h * g.w..][..g.h * g.w];
                input_row(plane, g, ty, t.across, eo, v, c * nt + q * t.across, g.c * nt);
            }
        }
        for xi in 0..16 {
            matmul(&u[xi * g.o * g.c..][..g.o * g.c], &v[xi * g.c * nt..][..g.c * nt], &mut m[xi * g.o * nt..][..g.o * nt], g.o, g.c, nt, false);
        }
        for q in 0..rb {
            let (bi, ty) = ((r0 + q) / t.down, (r0 + q) % t.down);
            for o in 0..g.o {
                let bias = if b.is_empty() { 0.0 } else { b[o] };
                let img = &mut out[(bi * g.o + o) * g.ho * g.wo..][..g.ho * g.wo];
                output_row(m, o * nt + q * t.across, g.o * nt, t.across, yrows, img, g, ty, bias, act);
            }
        }
    }
}

/// Bᵀ d B for the `across` tiles of tile row `ty` of one input plane, stored at v[ξ·stride + at + tx]
/// (tx across the row). Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0], [0, 1, 0, −1]].
#[allow(clippy::too_many_arguments)]
fn input_row(plane: &[f32], g: &Geom, ty: usize, across: usize, eo: &mut [f32], v: &mut [f32], at: usize, stride: usize) {
    // Row r of every tile's patch: the padded input row 2·ty + r − ph, split into its even and odd
    // columns, so tile tx's four values are even[tx], odd[tx], even[tx+1], odd[tx+1] — contiguous
    // across tiles, one vector load each for four tiles.
    let len = across + 1;
    for r in 0..4 {
        let (even, odd) = eo[2 * r * len..][..2 * len].split_at_mut(len);
        let iy = (2 * ty + r) as isize - g.ph as isize;
        if iy < 0 || iy >= g.h as isize {
            even.fill(0.0);
            odd.fill(0.0);
            continue;
        }
        let line = &plane[iy as usize * g.w..][..g.w];
        let at = |px: usize| px.checked_sub(g.pw).and_then(|i| line.get(i)).copied().unwrap_or(0.0);
        for i in 0..len {
            even[i] = at(2 * i);
            odd[i] = at(2 * i + 1);
        }
    }
    let ld = |r: usize, odd: usize, i: usize| load(eo[(2 * r + odd) * len + i..][..4].try_into().unwrap());
    for tx in (0..across).step_by(4) {
        // d·B per patch row, then Bᵀ· down the rows.
        let t: [[V; 4]; 4] = core::array::from_fn(|r| {
            let (d0, d1, d2, d3) = (ld(r, 0, tx), ld(r, 1, tx), ld(r, 0, tx + 1), ld(r, 1, tx + 1));
            [sub(d0, d2), add(d1, d2), sub(d2, d1), sub(d1, d3)]
        });
        for k in 0..4 {
            let col = [sub(t[0][k], t[2][k]), add(t[1][k], t[2][k]), sub(t[2][k], t[1][k]), sub(t[1][k], t[3][k])];
            for (r, val) in col.into_iter().enumerate() {
                store(val, (&mut v[(r * 4 + k) * stride + at + tx..][..4]).try_into().unwrap());
            }
        }
    }
}

/// Aᵀ M A for the tiles of tile row `ty` of output plane `img` (M_ξ at m[ξ·stride + at + tx]),
/// then act(· + bias) into output rows 2·ty and 2·ty + 1. Aᵀ = [[1, 1, 1, 0], [0, 1, −1, −1]].
#[allow(clippy::too_many_arguments)]
fn output_row(m: &[f32], at: usize, stride: usize, across: usize, yrows: &mut [f32], img: &mut [f32], g: &Geom, ty: usize, bias: f32, act: Act) {
    let (y0, y1) = yrows[..4 * across].split_at_mut(2 * across);
    let ld = |xi: usize, tx: usize| load(m[xi * stride + at + tx..][..4].try_into().unwrap());
    for tx in (0..across).step_by(4) {
        // M·A per row of the 4×4 product, then Aᵀ· down the rows.
        let s: [[V; 2]; 4] = core::array::from_fn(|r| {
            let (m0, m1, m2, m3) = (ld(4 * r, tx), ld(4 * r + 1, tx), ld(4 * r + 2, tx), ld(4 * r + 3, tx));
            [add(add(m0, m1), m2), sub(sub(m1, m2), m3)]
        });
        for (i, dst) in [&mut *y0, &mut *y1].into_iter().enumerate() {
            let (a, b) = if i == 0 {
                (add(add(s[0][0], s[1][0]), s[2][0]), add(add(s[0][1], s[1][1]), s[2][1]))
            } else {
                (sub(sub(s[1][0], s[2][0]), s[3][0]), sub(sub(s[1][1], s[2][1]), s[3][1]))
            };
            // Tile tx's two outputs are adjacent pixels: interleave the tiles' left and right columns.
            store(interleave_lo(a, b), (&mut dst[2 * tx..][..4]).try_into().unwrap());
            store(interleave_hi(a, b), (&mut dst[2 * tx + 4..][..4]).try_into().unwrap());
        }
    }
    for (i, src) in [&*y0, &*y1].into_iter().enumerate() {
        let oy = 2 * ty + i;
        if oy < g.ho {
            epilogue(&mut img[oy * g.wo..][..g.wo], &src[..g.wo], bias, act);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::conv::conv2d_forward;
    use crate::kernels::testutil::{conv2d_naive, rand_vec, Lcg};

    fn geom(n: usize, c: usize, h: usize, w: usize, o: usize, p: (usize, usize)) -> Geom {
        Geom::from_slice(&[n, c, h, w, o, 3, 3, 1, 1, p.0, p.1, 1, 1, 1].map(|v| v as u32))
    }

    /// Against the direct sum in f64. The error is measured relative to Σ|w|·|x| + |b| over each
    /// output's terms, the scale of any f32 dot product's rounding error. On these inputs the
    /// im2col + GEMM path's worst is 1.9e-7 of it and this path's 1.8e-7 (both ≈ 1.5 ε): the
    /// transforms only add and halve, so they add a few roundings of the same scale. 1e-6 (8 ε)
    /// leaves room for other data and the relaxed build's fused multiply-adds, and still fails
    /// on any wrong transform coefficient (an error of order 1 of that scale).
    #[test]
    fn matches_the_direct_convolution() {
        let mut rng = Lcg(31);
        // Odd sizes (a partial last tile, tiles past the edge), no padding and 'same' padding,
        // uneven padding, several blocks per part (64 channels on 40×40), bias and activations.
        let gs = [geom(2, 16, 7, 9, 16, (1, 1)), geom(1, 17, 10, 13, 19, (0, 0)), geom(3, 16, 5, 6, 24, (2, 1)), geom(2, 64, 40, 40, 64, (1, 1)), geom(1, 32, 3, 3, 16, (0, 0))];
        let mut worst = 0.0f64;
        for g in gs {
            assert!(winograd_applies(&g), "{g:?}");
            let x = rand_vec(&mut rng, g.n * g.c * g.h * g.w);
            let wt = rand_vec(&mut rng, g.o * g.c * 9);
            let b = rand_vec(&mut rng, g.o);
            let want = conv2d_naive(&x, &wt, &b, &g);
            let abs = |v: &[f32]| v.iter().map(|x| x.abs()).collect::<Vec<_>>();
            let scale = conv2d_naive(&abs(&x), &abs(&wt), &abs(&b), &g);
            for act in [Act::None, Act::Relu] {
                let mut out = vec![f32::NAN; want.len()];
                conv2d_forward(&x, &wt, &b, &mut out, &g, act);
                for (i, ((&o, &w), &s)) in out.iter().zip(&want).zip(&scale).enumerate() {
                    let w = if matches!(act, Act::Relu) { w.max(0.0) } else { w };
                    let err = (o as f64 - w as f64).abs() / s as f64;
                    worst = worst.max(err);
                    assert!(err <= 1e-6, "{g:?} {act:?} [{i}]: {o} vs {w} (scale {s})");
                }
            }
        }
        eprintln!("winograd: worst error / Σ|w||x| = {worst:.2e}");
        // Not taken: too few channels, a stride, or so many channel pairs that the transformed
        // weights would be a large allocation.
        assert!(!winograd_applies(&geom(1, 7, 8, 8, 16, (1, 1))));
        assert!(!winograd_applies(&Geom { sh: 2, ..geom(1, 16, 8, 8, 16, (1, 1)) }));
        assert!(!winograd_applies(&geom(1, 2048, 3, 3, 1024, (1, 1))));
    }

    #[test]
    fn bits_do_not_depend_on_threads_or_the_images_alongside() {
        use crate::kernels::par::with_host_threads;
        let mut rng = Lcg(37);
        let g = geom(6, 32, 18, 18, 32, (1, 1));
        let x = rand_vec(&mut rng, g.n * g.c * g.h * g.w);
        let wt = rand_vec(&mut rng, g.o * g.c * 9);
        let b = rand_vec(&mut rng, g.o);
        let run = |t: usize, g: &Geom, x: &[f32]| {
            with_host_threads(t, || {
                let mut out = vec![f32::NAN; g.n * g.o * g.ho * g.wo];
                conv2d_forward(x, &wt, &b, &mut out, g, Act::Tanh);
                out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            })
        };
        let one = run(1, &g, &x);
        for t in [2, 3] {
            assert_eq!(run(t, &g, &x), one, "{t} threads");
        }
        let single = Geom { n: 1, ..g };
        let (per_x, per_y) = (g.c * g.h * g.w, g.o * g.ho * g.wo);
        for n in [0, 5] {
            assert_eq!(run(1, &single, &x[n * per_x..][..per_x]), one[n * per_y..][..per_y], "image {n} alone");
        }
    }
}
