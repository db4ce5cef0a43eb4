//! Two dense layers in one call: the eager `linearChain` of a two-layer net (the book's 3-4-1,
//! XOR's 2-3-1) crosses into wasm once per direction instead of once per layer. Each function is
//! exactly the two `dense_forward` / `dense_backward` calls the per-layer path makes, in the same
//! order with the same arguments, so the bits are the same; what goes is a call's JS around it.
use crate::kernels::dense::{dense_backward, dense_forward, Act};

/// One layer's parameters for the pair: weight [k×n], bias [n] (empty: none), activation.
#[derive(Clone, Copy)]
pub struct PairLayer<'a> {
    pub w: &'a [f32],
    pub b: &'a [f32],
    pub act: Act,
}

/// hidden[m×h] = act₀(x·w₀ + b₀), out[m×n] = act₁(hidden·w₁ + b₁).
#[allow(clippy::too_many_arguments)]
pub fn dense_pair_forward(x: &[f32], l0: PairLayer, l1: PairLayer, hidden: &mut [f32], out: &mut [f32], m: usize, k: usize, h: usize, n: usize) {
    dense_forward(x, l0.w, l0.b, hidden, m, k, h, l0.act);
    dense_forward(hidden, l1.w, l1.b, out, m, h, n, l1.act);
}

/// The gradients of one layer of the pair: gw, gb (empty: not wanted) and whether they add to
/// what they hold.
pub struct PairGrads<'a> {
    pub gw: &'a mut [f32],
    pub gb: &'a mut [f32],
    pub accumulate: bool,
}

/// Given the forward's hidden and out and gy = dL/d(out): layer 1's dense_backward (its input's
/// gradient into `gh`, m×h), then layer 0's with gy = gh (x's gradient into `gx`; empty: not
/// wanted). `gz` is scratch of max(m×h, m×n) floats.
#[allow(clippy::too_many_arguments)]
pub fn dense_pair_backward(
    x: &[f32], l0: PairLayer, l1: PairLayer, hidden: &[f32], out: &[f32], gy: &[f32], gz: &mut [f32], gh: &mut [f32], gx: &mut [f32],
    g0: PairGrads, g1: PairGrads, m: usize, k: usize, h: usize, n: usize,
) {
    dense_backward(hidden, l1.w, out, gy, gz, gh, g1.gw, g1.gb, m, h, n, l1.act, g1.accumulate);
    dense_backward(x, l0.w, hidden, gh, gz, gx, g0.gw, g0.gb, m, k, h, l0.act, g0.accumulate);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{rand_vec, Lcg};

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// The pair must be the two per-layer calls bit for bit (what eager linearChain made before),
    /// tiny layers and layers past the tiny path, with and without biases and accumulation.
    #[test]
    fn dense_pair_is_two_dense_calls_bit_for_bit() {
        let mut rng = Lcg(23);
        let (mut moved, mut cases) = (0, 0);
        for &(m, k, h, n) in &[(1usize, 3usize, 4usize, 1usize), (4, 2, 3, 1), (4, 3, 4, 1), (16, 40, 30, 10), (1, 1, 1, 1)] {
            for (a0, a1) in [(Act::Relu, Act::None), (Act::Sigmoid, Act::Sigmoid), (Act::Tanh, Act::Relu)] {
                for (bias, accumulate, want_gx) in [(true, false, false), (false, true, true), (true, true, true)] {
                    let (x, w0, w1, gy) = (rand_vec(&mut rng, m * k), rand_vec(&mut rng, k * h), rand_vec(&mut rng, h * n), rand_vec(&mut rng, m * n));
                    let (b0, b1) = if bias { (rand_vec(&mut rng, h), rand_vec(&mut rng, n)) } else { (vec![], vec![]) };
                    let l0 = PairLayer { w: &w0, b: &b0, act: a0 };
                    let l1 = PairLayer { w: &w1, b: &b1, act: a1 };
                    let (mut hid, mut out) = (vec![0.0; m * h], vec![0.0; m * n]);
                    dense_pair_forward(&x, l0, l1, &mut hid, &mut out, m, k, h, n);
                    let (mut rh, mut ro) = (vec![0.0; m * h], vec![0.0; m * n]);
                    dense_forward(&x, &w0, &b0, &mut rh, m, k, h, a0);
                    dense_forward(&rh, &w1, &b1, &mut ro, m, h, n, a1);
                    assert_eq!(bits(&hid), bits(&rh), "hidden {m}x{k}x{h}x{n}");
                    assert_eq!(bits(&out), bits(&ro), "out {m}x{k}x{h}x{n}");

                    let (gw0, gw1) = (rand_vec(&mut rng, k * h), rand_vec(&mut rng, h * n));
                    let (gb0, gb1) = (if bias { rand_vec(&mut rng, h) } else { vec![] }, if bias { rand_vec(&mut rng, n) } else { vec![] });
                    let gxn = if want_gx { m * k } else { 0 };
                    let (mut pw0, mut pw1, mut pb0, mut pb1) = (gw0.clone(), gw1.clone(), gb0.clone(), gb1.clone());
                    let (mut gz, mut gh, mut gx) = (vec![0.0; m * h.max(n)], vec![0.0; m * h], vec![0.0; gxn]);
                    dense_pair_backward(
                        &x, l0, l1, &hid, &out, &gy, &mut gz, &mut gh, &mut gx,
                        PairGrads { gw: &mut pw0, gb: &mut pb0, accumulate }, PairGrads { gw: &mut pw1, gb: &mut pb1, accumulate }, m, k, h, n,
                    );
                    let (mut rw0, mut rw1, mut rb0, mut rb1) = (gw0.clone(), gw1.clone(), gb0.clone(), gb1.clone());
                    let (mut rz, mut rgh, mut rgx) = (vec![0.0; m * h.max(n)], vec![0.0; m * h], vec![0.0; gxn]);
                    dense_backward(&rh, &w1, &ro, &gy, &mut rz, &mut rgh, &mut rw1, &mut rb1, m, h, n, a1, accumulate);
                    dense_backward(&x, &w0, &rh, &rgh, &mut rz, &mut rgx, &mut rw0, &mut rb0, m, k, h, a0, accumulate);
                    let at = format!("{m}x{k}x{h}x{n} {a0:?}/{a1:?} bias {bias} accumulate {accumulate}");
                    assert_eq!(bits(&pw0), bits(&rw0), "gw0 {at}");
                    assert_eq!(bits(&pw1), bits(&rw1), "gw1 {at}");
                    assert_eq!(bits(&pb0), bits(&rb0), "gb0 {at}");
                    assert_eq!(bits(&pb1), bits(&rb1), "gb1 {at}");
                    assert_eq!(bits(&gx), bits(&rgx), "gx {at}");
                    assert_eq!(bits(&gh), bits(&rgh), "gh {at}");
                    // Not vacuous: the gradients moved from their starting values (a relu after a
                    // one-unit layer may zero them all, so this is counted over the cases).
                    moved += usize::from(bits(&pw0) != bits(&gw0));
                    cases += 1;
                }
            }
        }
        assert!(moved * 4 > cases * 3, "layer 0's gradient moved in only {moved} of {cases} cases");
    }
}
