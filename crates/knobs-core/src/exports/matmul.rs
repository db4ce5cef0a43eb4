//! Matrix products in the layouts backprop needs.
use super::{s, sm};
use crate::kernels::matmul as mm;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn matmul(a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, accumulate: bool) {
    unsafe { mm::matmul(s(a, m * k), s(b, k * n), sm(c, m * n), m, k, n, accumulate) }
}
#[wasm_bindgen]
pub fn matmul_nt(a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, accumulate: bool) {
    unsafe { mm::matmul_nt(s(a, m * k), s(b, n * k), sm(c, m * n), m, k, n, accumulate) }
}
#[wasm_bindgen]
pub fn matmul_tn(a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, accumulate: bool) {
    unsafe { mm::matmul_tn(s(a, k * m), s(b, k * n), sm(c, m * n), m, k, n, accumulate) }
}
