//! Optimizer steps over many tensors in one call: a table in wasm memory, one row of four u32
//! per tensor (param, grad, velocity byte offsets, element count), written by ts/optim.
use super::{s, sm};
use crate::kernels::optim_foreach;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn sgd_foreach(table: usize, count: usize, lr: f32, momentum: f32, weight_decay: f32, nesterov: bool) {
    // Safety: the caller owns `count` rows at `table` and lists each tensor once, so the slices
    // of different rows never overlap (a param, its grad and its velocity are distinct blocks).
    let rows = if count == 0 { &[][..] } else { unsafe { core::slice::from_raw_parts(table as *const u32, count * 4) } };
    let tensors = rows.chunks_exact(4).map(|r| {
        let n = r[3] as usize;
        let vn = if momentum != 0.0 { n } else { 0 };
        unsafe { (sm(r[0] as usize, n), s(r[1] as usize, n), sm(r[2] as usize, vn)) }
    });
    optim_foreach::sgd_foreach(tensors, lr, momentum, weight_decay, nesterov);
}
