//! Reductions.
use super::{s, sm};
use crate::kernels::reduce;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn sum_rows(a: usize, out: usize, rows: usize, cols: usize, accumulate: bool) {
    unsafe { reduce::sum_rows(s(a, rows * cols), sm(out, cols), rows, cols, accumulate) }
}
#[wasm_bindgen]
pub fn pairwise_sum(a: usize, n: usize) -> f32 {
    unsafe { reduce::pairwise_sum(s(a, n)) }
}
#[wasm_bindgen]
pub fn argmax_rows(a: usize, out: &mut [u32], rows: usize, cols: usize) {
    unsafe { reduce::argmax_rows(s(a, rows * cols), out, rows, cols) }
}
