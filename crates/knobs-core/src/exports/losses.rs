//! Losses and their gradients.
use super::{s, sm};
use crate::kernels::losses;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn mse(pred: usize, target: usize, n: usize) -> f64 {
    unsafe { losses::mse(s(pred, n), s(target, n)) }
}
#[wasm_bindgen]
pub fn mse_backward(pred: usize, target: usize, grad: usize, n: usize, scale: f32) {
    unsafe { losses::mse_backward(s(pred, n), s(target, n), sm(grad, n), scale) }
}
#[wasm_bindgen]
pub fn softmax_cross_entropy(logits: usize, target: usize, probs: usize, rows: usize, cols: usize) -> f64 {
    let n = rows * cols;
    unsafe { losses::softmax_cross_entropy(s(logits, n), s(target, n), sm(probs, n), rows, cols) }
}
#[wasm_bindgen]
pub fn softmax_cross_entropy_backward(probs: usize, target: usize, grad: usize, n: usize, scale: f32) {
    unsafe { losses::softmax_cross_entropy_backward(s(probs, n), s(target, n), sm(grad, n), scale) }
}
