//! Two dense layers in one call (kernels/dense_pair.rs). As in dense.rs, an absent bias or
//! gradient is pointer 0 with its `has_*`/`want_*` false; activations are dense_activation_code's.
use super::{s, sm};
use crate::kernels::dense::Act;
use crate::kernels::dense_pair::{self, PairGrads, PairLayer};
use wasm_bindgen::prelude::*;

fn act_of(code: u32) -> Act {
    Act::from_code(code).expect("dense_pair: unknown activation code")
}
#[wasm_bindgen]
pub fn dense_pair_forward(x: usize, w0: usize, b0: usize, has_b0: bool, w1: usize, b1: usize, has_b1: bool, hidden: usize, out: usize, m: usize, k: usize, h: usize, n: usize, act0: u32, act1: u32) {
    unsafe {
        let l0 = PairLayer { w: s(w0, k * h), b: s(b0, if has_b0 { h } else { 0 }), act: act_of(act0) };
        let l1 = PairLayer { w: s(w1, h * n), b: s(b1, if has_b1 { n } else { 0 }), act: act_of(act1) };
        dense_pair::dense_pair_forward(s(x, m * k), l0, l1, sm(hidden, m * h), sm(out, m * n), m, k, h, n)
    }
}
#[wasm_bindgen]
pub fn dense_pair_backward(
    x: usize, w0: usize, w1: usize, hidden: usize, out: usize, gy: usize, gz: usize, gh: usize, gx: usize, want_gx: bool,
    gw0: usize, gb0: usize, want_gw0: bool, want_gb0: bool, acc0: bool, gw1: usize, gb1: usize, want_gw1: bool, want_gb1: bool, acc1: bool,
    m: usize, k: usize, h: usize, n: usize, act0: u32, act1: u32,
) {
    unsafe {
        let l0 = PairLayer { w: s(w0, k * h), b: &[], act: act_of(act0) };
        let l1 = PairLayer { w: s(w1, h * n), b: &[], act: act_of(act1) };
        let g0 = PairGrads { gw: sm(gw0, if want_gw0 { k * h } else { 0 }), gb: sm(gb0, if want_gb0 { h } else { 0 }), accumulate: acc0 };
        let g1 = PairGrads { gw: sm(gw1, if want_gw1 { h * n } else { 0 }), gb: sm(gb1, if want_gb1 { n } else { 0 }), accumulate: acc1 };
        dense_pair::dense_pair_backward(
            s(x, m * k), l0, l1, s(hidden, m * h), s(out, m * n), s(gy, m * n), sm(gz, m * h.max(n)), sm(gh, m * h),
            sm(gx, if want_gx { m * k } else { 0 }), g0, g1, m, k, h, n,
        )
    }
}
