//! Fused dense layer: y = act(x·W + b) forward, and all three gradients in one backward call.
//! Fusing saves the separate bias and activation passes over [m×n] and, in the backward, the
//! temporaries an op-by-op graph would allocate. W is [k×n] (in × out), as the TS `Linear` stores it.
use super::activations::relu_backward;
use super::gemm::SMALL_MACS;
use super::lanes::{load_at, splat, store, store_at};
use super::vmath as vm;
use super::matmul::{matmul_nt, matmul_tn_via, matmul_via};
use super::reduce::sum_rows;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    None,
    Relu,
    Sigmoid,
    Tanh,
}
impl Act {
    /// The one table of activation codes: the TS side asks for a code by name
    /// (`dense_activation_code`) instead of keeping numbers of its own.
    const TABLE: [(Act, &'static str); 4] = [(Act::None, "none"), (Act::Relu, "relu"), (Act::Sigmoid, "sigmoid"), (Act::Tanh, "tanh")];
    pub fn from_code(c: u32) -> Option<Act> {
        Self::TABLE.get(c as usize).map(|e| e.0)
    }
    pub fn code(name: &str) -> Option<u32> {
        Self::TABLE.iter().position(|e| e.1 == name).map(|i| i as u32)
    }
}

/// The logistic function of one value, as every sigmoid of knobs computes it (vmath's four-lane
/// formula, lane 0), so a fused epilogue (conv2d's) gives the bits of the `sigmoid` op. Not
/// inlined: a call per value costs what libm's `expf` call did, and the epilogues stay small.
#[inline(never)]
pub fn sigmoid(v: f32) -> f32 {
    let mut o = [0.0f32; 4];
    store(vm::sigmoid(splat(v)), &mut o);
    o[0]
}

/// Whether a layer is small enough for the one-loop path (`tiny_product`): at a net the size of
/// the book's XOR the three gemm calls' dispatch cost more than their products. Only where gemm
/// itself would take its small path, whose sums the loops repeat (the relaxed build's gemm fuses
/// the multiply-add, so there the general path always runs).
fn tiny(m: usize, k: usize, n: usize) -> bool {
    k > 0 && n > 0 && m * k * n <= SMALL_MACS && !cfg!(target_feature = "relaxed-simd")
}

/// c[i, j] (+)= Σ_p a(i, p)·b(p, j) for p in 0..depth, summed as gemm's small path sums it — from
/// zero, `a·b + acc` in depth order, then stored or added to c — so the bits are gemm's.
#[inline(always)]
fn tiny_product(c: &mut [f32], cols: usize, depth: usize, accumulate: bool, a: impl Fn(usize, usize) -> f32, b: impl Fn(usize, usize) -> f32) {
    for (i, ci) in c.chunks_exact_mut(cols).enumerate() {
        for (j, x) in ci.iter_mut().enumerate() {
            let mut acc = 0.0f32;
            for p in 0..depth {
                acc = a(i, p) * b(p, j) + acc;
            }
            *x = if accumulate { acc + *x } else { acc };
        }
    }
}

/// out[m×n] = act(x[m×k]·w[k×n] + b[n]); `b` may be empty (no bias).
#[allow(clippy::too_many_arguments)]
pub fn dense_forward(x: &[f32], w: &[f32], b: &[f32], out: &mut [f32], m: usize, k: usize, n: usize, act: Act) {
    dense_forward_via(0, x, w, b, out, m, k, n, act);
}

/// `dense_forward` with x·w through gemm's path `via` (`matmul_via`): the same bits.
#[allow(clippy::too_many_arguments)]
pub fn dense_forward_via(via: u32, x: &[f32], w: &[f32], b: &[f32], out: &mut [f32], m: usize, k: usize, n: usize, act: Act) {
    if n == 0 {
        return;
    }
    if tiny(m, k, n) {
        let (x, w) = (&x[..m * k], &w[..k * n]);
        tiny_product(&mut out[..m * n], n, k, false, |i, p| x[i * k + p], |p, j| w[p * n + j]);
    } else {
        matmul_via(via, x, w, out, m, k, n, false);
    }
    for row in out[..m * n].chunks_exact_mut(n) {
        if !b.is_empty() {
            for (o, bi) in row.iter_mut().zip(b) {
                *o += bi;
            }
        }
        match act {
            Act::None => {}
            Act::Relu => row.iter_mut().for_each(|v| *v = if *v < 0.0 { 0.0 } else { *v }),
            Act::Sigmoid => {}
            Act::Tanh => row.iter_mut().for_each(|v| *v = v.tanh()),
        }
    }
    if act == Act::Sigmoid {
        // Four lanes at a time, as the `sigmoid` op (activations.rs): through libm's scalar
        // `expf` the sigmoids were most of a small sigmoid layer's time (XOR's 2-3-1 step).
        let out = &mut out[..m * n];
        for j in (0..out.len()).step_by(4) {
            store_at(vm::sigmoid(load_at(out, j)), out, j);
        }
    }
}

/// Given y = act(x·W + b) and gy = dL/dy: writes gz = dL/d(x·W + b) into `gz` (scratch, m×n),
/// then gw (+)= xᵀ·gz, gb (+)= Σ_rows gz, and gx = gz·Wᵀ. Empty gx/gb skip that gradient.
/// The activation derivative is taken from y (relu: y > 0 ⇔ pre-activation > 0).
#[allow(clippy::too_many_arguments)]
pub fn dense_backward(
    x: &[f32], w: &[f32], y: &[f32], gy: &[f32], gz: &mut [f32], gx: &mut [f32], gw: &mut [f32], gb: &mut [f32],
    m: usize, k: usize, n: usize, act: Act, accumulate: bool,
) {
    dense_backward_via(0, x, w, y, gy, gz, gx, gw, gb, m, k, n, act, accumulate);
}

/// `dense_backward` with xᵀ·gz through gemm's path `via` (`matmul_tn_via`): the same bits.
#[allow(clippy::too_many_arguments)]
pub fn dense_backward_via(
    via: u32, x: &[f32], w: &[f32], y: &[f32], gy: &[f32], gz: &mut [f32], gx: &mut [f32], gw: &mut [f32], gb: &mut [f32],
    m: usize, k: usize, n: usize, act: Act, accumulate: bool,
) {
    let mn = m * n;
    let (gy, y) = (&gy[..mn], &y[..mn]);
    let gz = &mut gz[..mn];
    match act {
        Act::None => gz.copy_from_slice(gy),
        Act::Relu => relu_backward(y, gy, gz),
        Act::Sigmoid => gz.iter_mut().zip(gy).zip(y).for_each(|((o, g), yi)| *o = g * yi * (1.0 - yi)),
        Act::Tanh => gz.iter_mut().zip(gy).zip(y).for_each(|((o, g), yi)| *o = g * (1.0 - yi * yi)),
    }
    let gz = &gz[..];
    let tiny = tiny(m, k, n);
    if !gw.is_empty() {
        if tiny {
            let x = &x[..m * k];
            tiny_product(&mut gw[..k * n], n, m, accumulate, |p, i| x[i * k + p], |i, j| gz[i * n + j]);
        } else {
            matmul_tn_via(via, x, gz, gw, k, m, n, accumulate);
        }
    }
    if !gb.is_empty() {
        sum_rows(gz, gb, m, n, accumulate);
    }
    if !gx.is_empty() {
        if tiny {
            let w = &w[..k * n];
            tiny_product(&mut gx[..m * k], k, n, false, |i, j| gz[i * n + j], |j, p| w[p * n + j]);
        } else {
            matmul_nt(gz, w, gx, m, n, k, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::matmul::{matmul, matmul_tn};
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    fn act_ref(v: f64, act: Act) -> f64 {
        match act {
            Act::None => v,
            Act::Relu => v.max(0.0),
            Act::Sigmoid => 1.0 / (1.0 + (-v).exp()),
            Act::Tanh => v.tanh(),
        }
    }

    fn loss(x: &[f32], w: &[f32], b: &[f32], gy: &[f32], m: usize, k: usize, n: usize, act: Act) -> f64 {
        let mut s = 0.0;
        for i in 0..m {
            for j in 0..n {
                let mut z = b[j] as f64;
                for p in 0..k {
                    z += x[i * k + p] as f64 * w[p * n + j] as f64;
                }
                s += act_ref(z, act) * gy[i * n + j] as f64;
            }
        }
        s
    }

    /// The tiny path must give gemm's bits: the same layer through the matmul calls it replaces.
    #[test]
    fn tiny_path_is_the_matmul_path_bit_for_bit() {
        let mut rng = Lcg(5);
        for &(m, k, n) in &[(1usize, 3usize, 4usize), (4, 2, 3), (4, 4, 1), (1, 1, 1), (8, 4, 8)] {
            assert!(tiny(m, k, n));
            for accumulate in [false, true] {
                let (x, w, b, gy) = (rand_vec(&mut rng, m * k), rand_vec(&mut rng, k * n), rand_vec(&mut rng, n), rand_vec(&mut rng, m * n));
                let mut y = vec![0.0; m * n];
                dense_forward(&x, &w, &b, &mut y, m, k, n, Act::Tanh);
                let mut want = vec![0.0; m * n];
                matmul(&x, &w, &mut want, m, k, n, false);
                let want: Vec<f32> = want.iter().enumerate().map(|(i, v)| (v + b[i % n]).tanh()).collect();
                assert_eq!(y.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), want.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), "forward {m}x{k}x{n}");
                let gw0 = rand_vec(&mut rng, k * n);
                let (mut gz, mut gx, mut gw, mut gb) = (vec![0.0; m * n], vec![0.0; m * k], gw0.clone(), vec![0.0; n]);
                dense_backward(&x, &w, &y, &gy, &mut gz, &mut gx, &mut gw, &mut gb, m, k, n, Act::Tanh, accumulate);
                let (mut wx, mut ww) = (vec![0.0; m * k], gw0.clone());
                matmul_tn(&x, &gz, &mut ww, k, m, n, accumulate);
                matmul_nt(&gz, &w, &mut wx, m, n, k, false);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&gw), bits(&ww), "gw {m}x{k}x{n} accumulate {accumulate}");
                assert_eq!(bits(&gx), bits(&wx), "gx {m}x{k}x{n}");
            }
        }
    }

    #[test]
    fn activation_codes_round_trip_by_name() {
        for (name, act) in [("none", Act::None), ("relu", Act::Relu), ("sigmoid", Act::Sigmoid), ("tanh", Act::Tanh)] {
            assert_eq!(Act::code(name).and_then(Act::from_code), Some(act), "{name}");
        }
        assert_eq!(Act::code("gelu"), None);
        assert_eq!(Act::from_code(4), None);
    }

    #[test]
    fn forward_and_backward_match_reference_and_finite_differences() {
        let mut rng = Lcg(17);
        for &(m, k, n) in &[(1usize, 1usize, 1usize), (3, 5, 4), (7, 9, 13)] {
            for act in [Act::None, Act::Relu, Act::Sigmoid, Act::Tanh] {
                let x = rand_vec(&mut rng, m * k);
                let w = rand_vec(&mut rng, k * n);
                let b = rand_vec(&mut rng, n);
                let gy = rand_vec(&mut rng, m * n);
                let mut y = vec![0.0; m * n];
                dense_forward(&x, &w, &b, &mut y, m, k, n, act);
                for i in 0..m {
                    for j in 0..n {
                        let mut z = b[j] as f64;
                        for p in 0..k {
                            z += x[i * k + p] as f64 * w[p * n + j] as f64;
                        }
                        assert!((y[i * n + j] as f64 - act_ref(z, act)).abs() < 1e-5);
                    }
                }
                let (mut gz, mut gx, mut gw, mut gb) = (vec![0.0; m * n], vec![0.0; m * k], vec![0.0; k * n], vec![0.0; n]);
                dense_backward(&x, &w, &y, &gy, &mut gz, &mut gx, &mut gw, &mut gb, m, k, n, act, false);
                let h = 1e-3f32;
                let fd = |v: &mut Vec<f32>, i: usize, which: u8| {
                    let orig = v[i];
                    v[i] = orig + h;
                    let up = match which { 0 => loss(v, &w, &b, &gy, m, k, n, act), 1 => loss(&x, v, &b, &gy, m, k, n, act), _ => loss(&x, &w, v, &gy, m, k, n, act) };
                    v[i] = orig - h;
                    let down = match which { 0 => loss(v, &w, &b, &gy, m, k, n, act), 1 => loss(&x, v, &b, &gy, m, k, n, act), _ => loss(&x, &w, v, &gy, m, k, n, act) };
                    v[i] = orig;
                    ((up - down) / (2.0 * h as f64)) as f32
                };
                // Relu's kink makes finite differences meaningless within h of zero; skip those entries.
                let near_kink = act == Act::Relu && (0..m * n).any(|i| {
                    let mut z = b[i % n] as f64;
                    for p in 0..k { z += x[(i / n) * k + p] as f64 * w[p * n + i % n] as f64; }
                    z.abs() < 1e-2
                });
                if near_kink { continue; }
                let (mut xv, mut wv, mut bv) = (x.clone(), w.clone(), b.clone());
                let nx: Vec<f32> = (0..m * k).map(|i| fd(&mut xv, i, 0)).collect();
                let nw: Vec<f32> = (0..k * n).map(|i| fd(&mut wv, i, 1)).collect();
                let nb: Vec<f32> = (0..n).map(|i| fd(&mut bv, i, 2)).collect();
                assert_close(&gx, &nx, 2e-3, "dense gx");
                assert_close(&gw, &nw, 2e-3, "dense gw");
                assert_close(&gb, &nb, 2e-3, "dense gb");
                // accumulate adds onto what is there
                let gw0 = gw.clone();
                dense_backward(&x, &w, &y, &gy, &mut gz, &mut gx, &mut gw, &mut gb, m, k, n, act, true);
                assert_close(&gw, &gw0.iter().map(|v| 2.0 * v).collect::<Vec<_>>(), 1e-5, "dense gw accumulate");
            }
        }
    }
}
