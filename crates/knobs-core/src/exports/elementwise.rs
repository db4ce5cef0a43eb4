//! Elementwise arithmetic on equal-length slices.
use super::{s, sm};
use crate::kernels::elementwise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn add(a: usize, b: usize, out: usize, n: usize) {
    unsafe { elementwise::add(s(a, n), s(b, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn sub(a: usize, b: usize, out: usize, n: usize) {
    unsafe { elementwise::sub(s(a, n), s(b, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn mul(a: usize, b: usize, out: usize, n: usize) {
    unsafe { elementwise::mul(s(a, n), s(b, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn div(a: usize, b: usize, out: usize, n: usize) {
    unsafe { elementwise::div(s(a, n), s(b, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn scale(a: usize, alpha: f32, beta: f32, out: usize, n: usize) {
    unsafe { elementwise::scale(s(a, n), alpha, beta, sm(out, n)) }
}
#[wasm_bindgen]
pub fn scale_inplace(x: usize, alpha: f32, beta: f32, n: usize) {
    unsafe { elementwise::scale_inplace(sm(x, n), alpha, beta) }
}
#[wasm_bindgen]
pub fn axpy(alpha: f32, x: usize, y: usize, n: usize) {
    unsafe { elementwise::axpy(alpha, s(x, n), sm(y, n)) }
}
#[wasm_bindgen]
pub fn add_row(a: usize, bias: usize, out: usize, rows: usize, cols: usize) {
    unsafe { elementwise::add_row(s(a, rows * cols), s(bias, cols), sm(out, rows * cols), cols) }
}
#[wasm_bindgen]
pub fn pow_scalar(a: usize, p: f32, out: usize, n: usize) {
    unsafe { elementwise::pow_scalar(s(a, n), p, sm(out, n)) }
}
#[wasm_bindgen]
pub fn exp(a: usize, out: usize, n: usize) {
    unsafe { elementwise::exp(s(a, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn log(a: usize, out: usize, n: usize) {
    unsafe { elementwise::log(s(a, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn count_nonfinite(a: usize, n: usize) -> usize {
    unsafe { elementwise::count_nonfinite(s(a, n)) }
}
