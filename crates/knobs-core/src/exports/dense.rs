//! The fused dense layer. An absent bias or gradient is pointer 0 with its `has_*`/`want_*` false.
use super::{s, sm};
use crate::kernels::dense;
use wasm_bindgen::prelude::*;

/// The code of an activation name ("none", "relu", "sigmoid", "tanh"), for `act` below.
#[wasm_bindgen]
pub fn dense_activation_code(name: &str) -> Option<u32> {
    dense::Act::code(name)
}
fn act_of(code: u32) -> dense::Act {
    dense::Act::from_code(code).expect("dense: unknown activation code")
}
#[wasm_bindgen]
pub fn dense_forward(x: usize, w: usize, b: usize, has_bias: bool, out: usize, m: usize, k: usize, n: usize, act: u32) {
    unsafe { dense::dense_forward(s(x, m * k), s(w, k * n), s(b, if has_bias { n } else { 0 }), sm(out, m * n), m, k, n, act_of(act)) }
}
#[wasm_bindgen]
pub fn dense_backward(x: usize, w: usize, y: usize, gy: usize, gz: usize, gx: usize, gw: usize, gb: usize, m: usize, k: usize, n: usize, act: u32, want_gx: bool, want_gw: bool, want_gb: bool, accumulate: bool) {
    unsafe {
        dense::dense_backward(
            s(x, m * k), s(w, k * n), s(y, m * n), s(gy, m * n), sm(gz, m * n),
            sm(gx, if want_gx { m * k } else { 0 }), sm(gw, if want_gw { k * n } else { 0 }), sm(gb, if want_gb { n } else { 0 }),
            m, k, n, act_of(act), accumulate,
        )
    }
}
