//! Exports of kernels/init.rs (weight initialisation).
use super::{seed64, sm};
use crate::kernels::init;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn orthogonal(out: usize, rows: usize, cols: usize, seed_lo: u32, seed_hi: u32, gain: f32) {
    unsafe { init::orthogonal(sm(out, rows * cols), rows, cols, seed64(seed_lo, seed_hi), gain) }
}
