//! Fused LSTM and GRU over a whole sequence, forward and backward (PyTorch's gate layouts:
//! LSTM i, f, g, o; GRU r, z, n with the reset gate on W_hn·h + b_hn).
//!
//! The input projection x·W_ihᵀ + b_ih of every step is one product done by the caller (`xi`,
//! [T, B, G·H]); here each step is one h·W_hhᵀ product on the packed GEMM (and its thread pool)
//! plus one pass of gate arithmetic, so a step costs no allocation and no crossing into JS.
//! W_hh is packed into the GEMM's strips once per sequence (`PackedB`), not once per step.
//! Each step's product overwrites its gate rows and the gate pass adds x·W_ihᵀ + b_ih (+ b_hh)
//! as it reads them, so no pass copies `xi` and the bias into place first.
//! Backward walks the steps in reverse with the saved gate activations, then forms dW_hh with
//! one product over all T·B rows instead of T small ones.
//!
//! Layouts: `ys`, `cs` [T + 1, B, H]: row 0 is h0 (c0), row s + 1 step s's h (c), so the h_prev
//! of every step is one contiguous [T·B, H] block (backward's dW_hh operand, with no copy);
//! LSTM `acts` [T, B, 4H] = σ(i), σ(f), tanh(g), σ(o); GRU `acts` [T, B, 4H] = r, z, n, and
//! W_hn·h + b_hn (the reset gate's operand, needed by backward).

use super::gemm::{gemm_packed, Mat, PackedB};
use super::matmul::matmul_tn;
use super::lanes::{add, load_at, mul, splat, store_at, sub, V};
use super::vmath as vm;

/// Gate `q`'s slice of a row of G gates of `hid` units, or empty when `v` is (an absent bias).
fn gate(v: &[f32], q: usize, hid: usize) -> &[f32] {
    if v.is_empty() {
        v
    } else {
        &v[q * hid..(q + 1) * hid]
    }
}

/// Units j..j+4 of `hw` + (`x` + `bias`), `bias` empty for none: the product h·W_hhᵀ of one gate
/// plus its input projection and bias, added in the order that adding the product into a
/// bias-filled row used to take (one depth block: the same bits).
#[inline(always)]
fn plus(hw: &[f32], x: &[f32], bias: &[f32], j: usize) -> V {
    let xb = if bias.is_empty() { load_at(x, j) } else { add(load_at(x, j), load_at(bias, j)) };
    add(load_at(hw, j), xb)
}

/// Gate arithmetic of one LSTM step. `gates` [B, 4H] holds h_prev·W_hhᵀ on entry and the
/// activations on return; the pre-activations add `xi` [B, 4H] and `bias` [4H] (empty for
/// none); c = σf·c_prev + σi·tanh g, h = σo·tanh c. Four hidden units at a time (vmath): the
/// transcendental functions are most of a step's non-GEMM time.
#[allow(clippy::too_many_arguments)]
pub fn lstm_cell(gates: &mut [f32], xi: &[f32], bias: &[f32], c_prev: &[f32], c: &mut [f32], h: &mut [f32], b: usize, hid: usize) {
    let bq: [&[f32]; 4] = core::array::from_fn(|q| gate(bias, q, hid));
    for r in 0..b {
        let g = &mut gates[r * 4 * hid..(r + 1) * 4 * hid];
        let x = &xi[r * 4 * hid..(r + 1) * 4 * hid];
        let xq: [&[f32]; 4] = core::array::from_fn(|q| gate(x, q, hid));
        let (gi, rest) = g.split_at_mut(hid);
        let (gf, rest) = rest.split_at_mut(hid);
        let (gg, go) = rest.split_at_mut(hid);
        let (cp, cr, hr) = (&c_prev[r * hid..(r + 1) * hid], &mut c[r * hid..(r + 1) * hid], &mut h[r * hid..(r + 1) * hid]);
        // Two passes: the gates first, then c and h. In one pass each group of four units waits
        // on tanh(c) after its four gate functions (a chain of two transcendentals); split, the
        // functions of a pass are independent, and the CPU overlaps more of them (the forward
        // gate pass ran 30–40% faster, bench/profile-rnn.ts).
        for j in (0..hid).step_by(4) {
            store_at(vm::sigmoid(plus(gi, xq[0], bq[0], j)), gi, j);
            store_at(vm::sigmoid(plus(gf, xq[1], bq[1], j)), gf, j);
            store_at(vm::tanh(plus(gg, xq[2], bq[2], j)), gg, j);
            store_at(vm::sigmoid(plus(go, xq[3], bq[3], j)), go, j);
        }
        for j in (0..hid).step_by(4) {
            let cv = add(mul(load_at(gf, j), load_at(cp, j)), mul(load_at(gi, j), load_at(gg, j)));
            store_at(cv, cr, j);
            store_at(mul(load_at(go, j), vm::tanh(cv)), hr, j);
        }
    }
}

/// Backward of `lstm_cell`. dh = dy + dh_next (the step's output gradient plus the recurrent one),
/// likewise dc = dcy + `dc` (the step's c gradient from outside plus the carried one); `dc` holds
/// the gradient of c_prev on return. Writes the gate pre-activation gradients into `dgates` [B, 4H].
#[allow(clippy::too_many_arguments)]
pub fn lstm_cell_backward(acts: &[f32], c_prev: &[f32], c: &[f32], dy: &[f32], dh_next: &[f32], dcy: &[f32], dc: &mut [f32], dgates: &mut [f32], b: usize, hid: usize) {
    let one = splat(1.0);
    for r in 0..b {
        let a = &acts[r * 4 * hid..(r + 1) * 4 * hid];
        let (ai, af, ag, ao) = (&a[..hid], &a[hid..2 * hid], &a[2 * hid..3 * hid], &a[3 * hid..]);
        let dg = &mut dgates[r * 4 * hid..(r + 1) * 4 * hid];
        let (di, rest) = dg.split_at_mut(hid);
        let (df, rest) = rest.split_at_mut(hid);
        let (dgg, do_) = rest.split_at_mut(hid);
        let rows = r * hid..(r + 1) * hid;
        let (cp, cr, dyr, dhn, dcyr) = (&c_prev[rows.clone()], &c[rows.clone()], &dy[rows.clone()], &dh_next[rows.clone()], &dcy[rows.clone()]);
        let dcr = &mut dc[rows];
        for j in (0..hid).step_by(4) {
            let (i, f, g, o) = (load_at(ai, j), load_at(af, j), load_at(ag, j), load_at(ao, j));
            let tc = vm::tanh(load_at(cr, j));
            let dh = add(load_at(dyr, j), load_at(dhn, j));
            let dct = add(add(load_at(dcyr, j), load_at(dcr, j)), mul(mul(dh, o), sub(one, mul(tc, tc))));
            store_at(mul(mul(mul(dct, g), i), sub(one, i)), di, j);
            store_at(mul(mul(mul(dct, load_at(cp, j)), f), sub(one, f)), df, j);
            store_at(mul(mul(dct, i), sub(one, mul(g, g))), dgg, j);
            store_at(mul(mul(mul(dh, tc), o), sub(one, o)), do_, j);
            store_at(mul(dct, f), dcr, j);
        }
    }
}

/// A row-major matrix with rows of `cols` floats, as the GEMM's operand.
fn rows(data: &[f32], cols: usize) -> Mat<'_> {
    Mat { data, rs: cols, cs: 1 }
}

/// Sums the rows of `g` [rows, n] into `out` [n] (overwriting unless `accumulate`).
fn sum_rows(g: &[f32], out: &mut [f32], n: usize, accumulate: bool) {
    if !accumulate {
        out.fill(0.0);
    }
    for row in g.chunks_exact(n) {
        for (o, v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

/// LSTM forward over T steps. xi [T,B,4H], whh [4H,H], bhh [4H] or empty, h0/c0 [B,H];
/// ys, cs [T+1,B,H] (h0, c0 copied into row 0).
#[allow(clippy::too_many_arguments)]
pub fn lstm_sequence(xi: &[f32], whh: &[f32], bhh: &[f32], h0: &[f32], c0: &[f32], ys: &mut [f32], cs: &mut [f32], acts: &mut [f32], t: usize, b: usize, hid: usize) {
    let (bh, bg) = (b * hid, b * 4 * hid);
    assert!(xi.len() >= t * bg && whh.len() >= 4 * hid * hid && h0.len() >= bh && c0.len() >= bh);
    assert!(ys.len() >= (t + 1) * bh && cs.len() >= (t + 1) * bh && acts.len() >= t * bg && (bhh.is_empty() || bhh.len() == 4 * hid));
    ys[..bh].copy_from_slice(&h0[..bh]);
    cs[..bh].copy_from_slice(&c0[..bh]);
    let whh_t = PackedB::new(Mat { data: whh, rs: 1, cs: hid }, b, hid, 4 * hid);
    for s in 0..t {
        let (ys_done, ys_rest) = ys.split_at_mut((s + 1) * bh);
        let (cs_done, cs_rest) = cs.split_at_mut((s + 1) * bh);
        let g = &mut acts[s * bg..(s + 1) * bg];
        gemm_packed(rows(&ys_done[s * bh..], hid), &whh_t, g, false);
        lstm_cell(g, &xi[s * bg..(s + 1) * bg], bhh, &cs_done[s * bh..], &mut cs_rest[..bh], &mut ys_rest[..bh], b, hid);
    }
}

/// LSTM backward. ys, cs [T+1,B,H] as `lstm_sequence` wrote them; dys, dcs [T,B,H] (the
/// gradients of every step's h and c). Writes dxi [T,B,4H] (= the gate pre-activation
/// gradients), dc0 [B,H], dh0 [B,H] (only with `need_dh0`: otherwise step 0's
/// dG·W_hh is skipped and dh0 is left unspecified), and dW_hh [4H,H], db_hh [4H] (empty to
/// skip) added in when `accumulate`.
#[allow(clippy::too_many_arguments)]
pub fn lstm_sequence_backward(
    whh: &[f32], ys: &[f32], cs: &[f32], acts: &[f32], dys: &[f32], dcs: &[f32],
    dxi: &mut [f32], dh0: &mut [f32], dc0: &mut [f32], dwhh: &mut [f32], dbhh: &mut [f32], t: usize, b: usize, hid: usize, need_dh0: bool, accumulate: bool,
) {
    let (bh, bg) = (b * hid, b * 4 * hid);
    assert!(ys.len() >= (t + 1) * bh && cs.len() >= (t + 1) * bh && acts.len() >= t * bg && dys.len() >= t * bh && dcs.len() >= t * bh);
    assert!(dxi.len() >= t * bg && dh0.len() >= bh && dc0.len() >= bh && dwhh.len() >= 4 * hid * hid);
    // dh0 carries dh_next and dc0 carries dc backwards through the steps; at t = 0 they are the answers.
    dh0[..bh].fill(0.0);
    dc0[..bh].fill(0.0);
    let whh_p = PackedB::new(rows(whh, hid), b, 4 * hid, hid);
    for s in (0..t).rev() {
        let dg = &mut dxi[s * bg..(s + 1) * bg];
        lstm_cell_backward(&acts[s * bg..], &cs[s * bh..], &cs[(s + 1) * bh..], &dys[s * bh..], dh0, &dcs[s * bh..], dc0, dg, b, hid);
        // dh0 of a zero initial state nobody differentiates: not worth one of T products.
        if s > 0 || need_dh0 {
            gemm_packed(rows(dg, 4 * hid), &whh_p, dh0, false);
        }
    }
    // dW_hh = Σ_s dG_sᵀ · h_{s−1}, one product: the h_{s−1} are rows 0..T of ys.
    matmul_tn(&dxi[..t * bg], &ys[..t * bh], dwhh, 4 * hid, t * b, hid, accumulate);
    if !dbhh.is_empty() {
        sum_rows(&dxi[..t * bg], dbhh, 4 * hid, accumulate);
    }
}

/// Gate arithmetic of one GRU step. xi [B,3H] is x·W_ihᵀ + b_ih, hh [B,3H] h·W_hhᵀ, `bias`
/// b_hh [3H] (empty for none); with h_q = hh_q + b_q: r = σ(x_r + h_r), z = σ(x_z + h_z),
/// n = tanh(x_n + r·h_n), h = (1 − z)·n + z·h_prev.
#[allow(clippy::too_many_arguments)]
pub fn gru_cell(xi: &[f32], hh: &[f32], bias: &[f32], h_prev: &[f32], acts: &mut [f32], h: &mut [f32], b: usize, hid: usize) {
    let bq: [&[f32]; 3] = core::array::from_fn(|q| gate(bias, q, hid));
    // h·W_hhᵀ + b_hh of gate q at units j..j+4 (the bias added as when it pre-filled the product's row).
    let hb = |hx: &[f32], q: usize, j: usize| if bias.is_empty() { load_at(hx, j) } else { add(load_at(hx, j), load_at(bq[q], j)) };
    for r in 0..b {
        let (x, hx) = (&xi[r * 3 * hid..(r + 1) * 3 * hid], &hh[r * 3 * hid..(r + 1) * 3 * hid]);
        let (xr, xz, xn) = (&x[..hid], &x[hid..2 * hid], &x[2 * hid..]);
        let (hxr, hxz, hxn) = (&hx[..hid], &hx[hid..2 * hid], &hx[2 * hid..]);
        let a = &mut acts[r * 4 * hid..(r + 1) * 4 * hid];
        let (ar, rest) = a.split_at_mut(hid);
        let (az, rest) = rest.split_at_mut(hid);
        let (an, ahn) = rest.split_at_mut(hid);
        let (hp, hr) = (&h_prev[r * hid..(r + 1) * hid], &mut h[r * hid..(r + 1) * hid]);
        // Two passes, as in lstm_cell: r and z first, then n (which waits on r) and h.
        for j in (0..hid).step_by(4) {
            store_at(vm::sigmoid(add(load_at(xr, j), hb(hxr, 0, j))), ar, j);
            store_at(vm::sigmoid(add(load_at(xz, j), hb(hxz, 1, j))), az, j);
            store_at(hb(hxn, 2, j), ahn, j);
        }
        for j in (0..hid).step_by(4) {
            let n = vm::tanh(add(load_at(xn, j), mul(load_at(ar, j), load_at(ahn, j))));
            store_at(n, an, j);
            store_at(add(n, mul(load_at(az, j), sub(load_at(hp, j), n))), hr, j);
        }
    }
}

/// Backward of `gru_cell`. dh = dy + dh_next; on return `dh_next` holds the direct part of
/// dh_prev (dh·z; the W_hh part is added by the caller). Writes dxi and dhh [B,3H].
#[allow(clippy::too_many_arguments)]
pub fn gru_cell_backward(acts: &[f32], h_prev: &[f32], dy: &[f32], dh_next: &mut [f32], dxi: &mut [f32], dhh: &mut [f32], b: usize, hid: usize) {
    for r in 0..b {
        let a = &acts[r * 4 * hid..(r + 1) * 4 * hid];
        let (dx, dhr) = (&mut dxi[r * 3 * hid..(r + 1) * 3 * hid], &mut dhh[r * 3 * hid..(r + 1) * 3 * hid]);
        let o0 = r * hid;
        for j in 0..hid {
            let (rg, z, n, hn) = (a[j], a[hid + j], a[2 * hid + j], a[3 * hid + j]);
            let dh = dy[o0 + j] + dh_next[o0 + j];
            let dn = dh * (1.0 - z) * (1.0 - n * n);
            let dz = dh * (h_prev[o0 + j] - n) * z * (1.0 - z);
            let dr = dn * hn * rg * (1.0 - rg);
            dx[j] = dr;
            dx[hid + j] = dz;
            dx[2 * hid + j] = dn;
            dhr[j] = dr;
            dhr[hid + j] = dz;
            dhr[2 * hid + j] = dn * rg;
            dh_next[o0 + j] = dh * z;
        }
    }
}

/// GRU forward over T steps. xi [T,B,3H], whh [3H,H], bhh [3H] or empty, h0 [B,H]; ys
/// [T+1,B,H] (h0 copied into row 0).
#[allow(clippy::too_many_arguments)]
pub fn gru_sequence(xi: &[f32], whh: &[f32], bhh: &[f32], h0: &[f32], ys: &mut [f32], acts: &mut [f32], t: usize, b: usize, hid: usize) {
    let (bh, b3, b4) = (b * hid, b * 3 * hid, b * 4 * hid);
    assert!(xi.len() >= t * b3 && whh.len() >= 3 * hid * hid && h0.len() >= bh && ys.len() >= (t + 1) * bh && acts.len() >= t * b4);
    assert!(bhh.is_empty() || bhh.len() == 3 * hid);
    ys[..bh].copy_from_slice(&h0[..bh]);
    let mut hh = vec![0.0f32; b3];
    let whh_t = PackedB::new(Mat { data: whh, rs: 1, cs: hid }, b, hid, 3 * hid);
    for s in 0..t {
        let (done, rest) = ys.split_at_mut((s + 1) * bh);
        let h_prev = &done[s * bh..];
        gemm_packed(rows(h_prev, hid), &whh_t, &mut hh, false);
        gru_cell(&xi[s * b3..(s + 1) * b3], &hh, bhh, h_prev, &mut acts[s * b4..(s + 1) * b4], &mut rest[..bh], b, hid);
    }
}

/// GRU backward. ys [T+1,B,H] as `gru_sequence` wrote it, dys [T,B,H]. Writes dxi [T,B,3H],
/// dh0 [B,H] (only with `need_dh0`; otherwise unspecified, as for the LSTM), and dW_hh [3H,H],
/// db_hh [3H] (empty to skip) added in when `accumulate`.
#[allow(clippy::too_many_arguments)]
pub fn gru_sequence_backward(
    whh: &[f32], ys: &[f32], acts: &[f32], dys: &[f32], dxi: &mut [f32], dh0: &mut [f32], dwhh: &mut [f32], dbhh: &mut [f32],
    t: usize, b: usize, hid: usize, need_dh0: bool, accumulate: bool,
) {
    let (bh, b3, b4) = (b * hid, b * 3 * hid, b * 4 * hid);
    assert!(ys.len() >= (t + 1) * bh && acts.len() >= t * b4 && dys.len() >= t * bh && dxi.len() >= t * b3 && dh0.len() >= bh && dwhh.len() >= 3 * hid * hid);
    // The W_hh-side gradients of every step, kept for the dW_hh product at the end.
    let mut dhh = vec![0.0f32; t * b3];
    dh0[..bh].fill(0.0);
    let whh_p = PackedB::new(rows(whh, hid), b, 3 * hid, hid);
    for s in (0..t).rev() {
        let dh_s = &mut dhh[s * b3..(s + 1) * b3];
        gru_cell_backward(&acts[s * b4..], &ys[s * bh..(s + 1) * bh], &dys[s * bh..], dh0, &mut dxi[s * b3..(s + 1) * b3], dh_s, b, hid);
        if s > 0 || need_dh0 {
            gemm_packed(rows(dh_s, 3 * hid), &whh_p, dh0, true);
        }
    }
    matmul_tn(&dhh, &ys[..t * bh], dwhh, 3 * hid, t * b, hid, accumulate);
    if !dbhh.is_empty() {
        sum_rows(&dhh, dbhh, 3 * hid, accumulate);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    fn sig(v: f64) -> f64 {
        1.0 / (1.0 + (-v).exp())
    }
    /// h·Wᵀ + bias, naive f64: h [b, k], w [n, k].
    fn affine(h: &[f64], w: &[f32], bias: &[f32], b: usize, k: usize, n: usize) -> Vec<f64> {
        let mut out = vec![0.0; b * n];
        for r in 0..b {
            for j in 0..n {
                let mut s = if bias.is_empty() { 0.0 } else { bias[j] as f64 };
                for q in 0..k {
                    s += h[r * k + q] * w[j * k + q] as f64;
                }
                out[r * n + j] = s;
            }
        }
        out
    }

    struct Case {
        t: usize,
        b: usize,
        hid: usize,
        xi: Vec<f32>,
        whh: Vec<f32>,
        bhh: Vec<f32>,
        h0: Vec<f32>,
        c0: Vec<f32>,
    }
    fn case(g: usize, bias: bool, seed: u64) -> Case {
        let (t, b, hid) = (4, 3, 5);
        let mut rng = Lcg(seed);
        Case {
            t,
            b,
            hid,
            xi: rand_vec(&mut rng, t * b * g * hid),
            whh: rand_vec(&mut rng, g * hid * hid).iter().map(|v| v * 0.6).collect(),
            bhh: if bias { rand_vec(&mut rng, g * hid) } else { vec![] },
            h0: rand_vec(&mut rng, b * hid),
            c0: rand_vec(&mut rng, b * hid),
        }
    }

    /// Naive LSTM in f64: returns (ys, final c).
    fn lstm_ref(c: &Case, xi: &[f32], whh: &[f32], bhh: &[f32], h0: &[f32], c0: &[f32]) -> (Vec<f64>, Vec<f64>) {
        let (b, hid) = (c.b, c.hid);
        let mut h: Vec<f64> = h0.iter().map(|&v| v as f64).collect();
        let mut cc: Vec<f64> = c0.iter().map(|&v| v as f64).collect();
        let mut ys = vec![];
        for s in 0..c.t {
            let hh = affine(&h, whh, bhh, b, hid, 4 * hid);
            for r in 0..b {
                for j in 0..hid {
                    let p = |q: usize| xi[s * b * 4 * hid + r * 4 * hid + q * hid + j] as f64 + hh[r * 4 * hid + q * hid + j];
                    let (i, f, g, o) = (sig(p(0)), sig(p(1)), p(2).tanh(), sig(p(3)));
                    cc[r * hid + j] = f * cc[r * hid + j] + i * g;
                    h[r * hid + j] = o * cc[r * hid + j].tanh();
                }
            }
            ys.extend_from_slice(&h);
        }
        (ys, cc)
    }

    /// Naive GRU in f64: returns ys.
    fn gru_ref(c: &Case, xi: &[f32], whh: &[f32], bhh: &[f32], h0: &[f32]) -> Vec<f64> {
        let (b, hid) = (c.b, c.hid);
        let mut h: Vec<f64> = h0.iter().map(|&v| v as f64).collect();
        let mut ys = vec![];
        for s in 0..c.t {
            let hh = affine(&h, whh, bhh, b, hid, 3 * hid);
            let mut nh = h.clone();
            for r in 0..b {
                for j in 0..hid {
                    let x = |q: usize| xi[s * b * 3 * hid + r * 3 * hid + q * hid + j] as f64;
                    let hq = |q: usize| hh[r * 3 * hid + q * hid + j];
                    let rg = sig(x(0) + hq(0));
                    let z = sig(x(1) + hq(1));
                    let n = (x(2) + rg * hq(2)).tanh();
                    nh[r * hid + j] = (1.0 - z) * n + z * h[r * hid + j];
                }
            }
            h = nh;
            ys.extend_from_slice(&h);
        }
        ys
    }

    fn f32s(v: &[f64]) -> Vec<f32> {
        v.iter().map(|&x| x as f32).collect()
    }

    /// L = Σ wy·ys + Σ wc·c_T, and its central difference with respect to one entry of `which`.
    fn numeric(loss: &dyn Fn(&[Vec<f32>]) -> f64, inputs: &[Vec<f32>], which: usize) -> Vec<f32> {
        let eps = 1e-3f32;
        (0..inputs[which].len())
            .map(|i| {
                let mut p = inputs.to_vec();
                p[which][i] += eps;
                let mut m = inputs.to_vec();
                m[which][i] -= eps;
                ((loss(&p) - loss(&m)) / (2.0 * eps as f64)) as f32
            })
            .collect()
    }

    #[test]
    fn lstm_matches_naive_forward_and_finite_differences() {
        for bias in [true, false] {
            let c = case(4, bias, 11);
            let (t, b, hid) = (c.t, c.b, c.hid);
            let bh = b * hid;
            let (mut ys, mut cs, mut acts) = (vec![0.0; (t + 1) * bh], vec![0.0; (t + 1) * bh], vec![0.0; t * b * 4 * hid]);
            lstm_sequence(&c.xi, &c.whh, &c.bhh, &c.h0, &c.c0, &mut ys, &mut cs, &mut acts, t, b, hid);
            let (want_y, want_c) = lstm_ref(&c, &c.xi, &c.whh, &c.bhh, &c.h0, &c.c0);
            assert_eq!((&ys[..bh], &cs[..bh]), (&c.h0[..], &c.c0[..]), "row 0 holds h0, c0");
            assert_close(&ys[bh..], &f32s(&want_y), 1e-5, "lstm ys");
            assert_close(&cs[t * bh..], &f32s(&want_c), 1e-5, "lstm cN");

            let mut rng = Lcg(3);
            let (wy, wc) = (rand_vec(&mut rng, t * b * hid), rand_vec(&mut rng, b * hid));
            // Only the final c is weighted: the earlier ones are internal in the reference.
            let mut wcs = vec![0.0; t * b * hid];
            wcs[(t - 1) * b * hid..].copy_from_slice(&wc);
            let (mut dxi, mut dh0, mut dc0) = (vec![0.0; t * b * 4 * hid], vec![0.0; b * hid], vec![0.0; b * hid]);
            let (mut dwhh, mut dbhh) = (vec![0.0; 4 * hid * hid], vec![0.0; c.bhh.len()]);
            lstm_sequence_backward(&c.whh, &ys, &cs, &acts, &wy, &wcs, &mut dxi, &mut dh0, &mut dc0, &mut dwhh, &mut dbhh, t, b, hid, true, false);
            let inputs = vec![c.xi.clone(), c.whh.clone(), c.bhh.clone(), c.h0.clone(), c.c0.clone()];
            let loss = |p: &[Vec<f32>]| {
                let (y, cn) = lstm_ref(&c, &p[0], &p[1], &p[2], &p[3], &p[4]);
                y.iter().zip(&wy).map(|(a, w)| a * *w as f64).sum::<f64>() + cn.iter().zip(&wc).map(|(a, w)| a * *w as f64).sum::<f64>()
            };
            for (k, (got, name)) in [(&dxi, "dxi"), (&dwhh, "dwhh"), (&dbhh, "dbhh"), (&dh0, "dh0"), (&dc0, "dc0")].into_iter().enumerate() {
                assert_close(got, &numeric(&loss, &inputs, k), 2e-3, name);
            }
            // accumulate adds into the weight gradients; without need_dh0 every other result
            // keeps its bits (only the last step's dG·W_hh, into dh0, is skipped).
            let (x1, c1, w1, b1) = (dxi.clone(), dc0.clone(), dwhh.clone(), dbhh.clone());
            lstm_sequence_backward(&c.whh, &ys, &cs, &acts, &wy, &wcs, &mut dxi, &mut dh0, &mut dc0, &mut dwhh, &mut dbhh, t, b, hid, false, true);
            assert_close(&dwhh, &w1.iter().map(|v| 2.0 * v).collect::<Vec<_>>(), 1e-5, "lstm accumulate dwhh");
            assert_close(&dbhh, &b1.iter().map(|v| 2.0 * v).collect::<Vec<_>>(), 1e-5, "lstm accumulate dbhh");
            assert_eq!((&dxi, &dc0), (&x1, &c1), "lstm without need_dh0");
        }
    }

    #[test]
    fn gru_matches_naive_forward_and_finite_differences() {
        for bias in [true, false] {
            let c = case(3, bias, 17);
            let (t, b, hid) = (c.t, c.b, c.hid);
            let bh = b * hid;
            let (mut ys, mut acts) = (vec![0.0; (t + 1) * bh], vec![0.0; t * b * 4 * hid]);
            gru_sequence(&c.xi, &c.whh, &c.bhh, &c.h0, &mut ys, &mut acts, t, b, hid);
            assert_eq!(&ys[..bh], &c.h0[..], "row 0 holds h0");
            assert_close(&ys[bh..], &f32s(&gru_ref(&c, &c.xi, &c.whh, &c.bhh, &c.h0)), 1e-5, "gru ys");

            let wy = rand_vec(&mut Lcg(5), t * b * hid);
            let (mut dxi, mut dh0) = (vec![0.0; t * b * 3 * hid], vec![0.0; b * hid]);
            let (mut dwhh, mut dbhh) = (vec![0.0; 3 * hid * hid], vec![0.0; c.bhh.len()]);
            gru_sequence_backward(&c.whh, &ys, &acts, &wy, &mut dxi, &mut dh0, &mut dwhh, &mut dbhh, t, b, hid, true, false);
            let inputs = vec![c.xi.clone(), c.whh.clone(), c.bhh.clone(), c.h0.clone()];
            let loss = |p: &[Vec<f32>]| gru_ref(&c, &p[0], &p[1], &p[2], &p[3]).iter().zip(&wy).map(|(a, w)| a * *w as f64).sum::<f64>();
            for (k, (got, name)) in [(&dxi, "dxi"), (&dwhh, "dwhh"), (&dbhh, "dbhh"), (&dh0, "dh0")].into_iter().enumerate() {
                assert_close(got, &numeric(&loss, &inputs, k), 2e-3, name);
            }
            let (x1, w1) = (dxi.clone(), dwhh.clone());
            gru_sequence_backward(&c.whh, &ys, &acts, &wy, &mut dxi, &mut dh0, &mut dwhh, &mut dbhh, t, b, hid, false, false);
            assert_eq!((&dxi, &dwhh), (&x1, &w1), "gru without need_dh0");
        }
    }

    #[test]
    fn sequences_split_over_threads_match_one_thread() {
        // Sizes above the GEMM's parallel threshold, so the per-step products are split: the
        // bits of every result must not depend on the thread count.
        let (t, b, hid) = (3, 64, 96);
        let bh = b * hid;
        let mut rng = Lcg(23);
        let xi = rand_vec(&mut rng, t * b * 4 * hid);
        let whh: Vec<f32> = rand_vec(&mut rng, 4 * hid * hid).iter().map(|v| v * 0.1).collect();
        let (bhh, h0, c0) = (rand_vec(&mut rng, 4 * hid), rand_vec(&mut rng, bh), rand_vec(&mut rng, bh));
        let (dys, dcs) = (rand_vec(&mut rng, t * bh), rand_vec(&mut rng, t * bh));
        let run = || {
            let (mut ys, mut cs, mut acts) = (vec![0.0; (t + 1) * bh], vec![0.0; (t + 1) * bh], vec![0.0; t * b * 4 * hid]);
            lstm_sequence(&xi, &whh, &bhh, &h0, &c0, &mut ys, &mut cs, &mut acts, t, b, hid);
            let (mut dxi, mut dh0, mut dc0, mut dwhh, mut dbhh) = (vec![0.0; t * b * 4 * hid], vec![0.0; bh], vec![0.0; bh], vec![0.0; 4 * hid * hid], vec![0.0; 4 * hid]);
            lstm_sequence_backward(&whh, &ys, &cs, &acts, &dys, &dcs, &mut dxi, &mut dh0, &mut dc0, &mut dwhh, &mut dbhh, t, b, hid, true, false);
            let (mut gys, mut gacts) = (vec![0.0; (t + 1) * bh], vec![0.0; t * b * 4 * hid]);
            gru_sequence(&xi[..t * b * 3 * hid], &whh[..3 * hid * hid], &bhh[..3 * hid], &h0, &mut gys, &mut gacts, t, b, hid);
            let (mut gdxi, mut gdh0, mut gdw, mut gdb) = (vec![0.0; t * b * 3 * hid], vec![0.0; bh], vec![0.0; 3 * hid * hid], vec![0.0; 3 * hid]);
            gru_sequence_backward(&whh[..3 * hid * hid], &gys, &gacts, &dys, &mut gdxi, &mut gdh0, &mut gdw, &mut gdb, t, b, hid, true, false);
            [ys, cs, dxi, dh0, dc0, dwhh, gys, gdxi, gdh0, gdw].map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
        };
        let one = run();
        let four = crate::kernels::par::with_host_threads(4, run);
        assert!(one == four, "results differ between 1 and 4 threads");
    }
}
