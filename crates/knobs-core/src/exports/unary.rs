//! Exports of kernels/unary.rs.
use super::{s, sm};
use crate::kernels::unary;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn abs(x: usize, out: usize, n: usize) {
    unsafe { unary::abs(s(x, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn abs_backward(x: usize, g: usize, out: usize, n: usize) {
    unsafe { unary::abs_backward(s(x, n), s(g, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn sqrt(x: usize, out: usize, n: usize) {
    unsafe { unary::sqrt(s(x, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn sqrt_backward(y: usize, g: usize, out: usize, n: usize) {
    unsafe { unary::sqrt_backward(s(y, n), s(g, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn clamp(x: usize, lo: f32, hi: f32, out: usize, n: usize) {
    unsafe { unary::clamp(s(x, n), lo, hi, sm(out, n)) }
}
#[wasm_bindgen]
pub fn clamp_backward(x: usize, g: usize, lo: f32, hi: f32, out: usize, n: usize) {
    unsafe { unary::clamp_backward(s(x, n), s(g, n), lo, hi, sm(out, n)) }
}
