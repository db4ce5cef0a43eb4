//! Exports of kernels/clip.rs (gradient clipping).
use super::{s, sm};
use crate::kernels::clip;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn sum_abs_pow(a: usize, n: usize, p: f64) -> f64 {
    unsafe { clip::sum_abs_pow(s(a, n), p) }
}
#[wasm_bindgen]
pub fn clamp_inplace(a: usize, n: usize, lo: f32, hi: f32) {
    unsafe { clip::clamp_inplace(sm(a, n), lo, hi) }
}
