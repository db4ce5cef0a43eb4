//! Exports of the per-row (`reduction: 'none'`) cross-entropy kernels in kernels/losses.rs.
use super::{s, sm};
use crate::kernels::losses;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn softmax_cross_entropy_rows(logits: usize, target: usize, probs: usize, losses_out: usize, rows: usize, cols: usize) {
    let n = rows * cols;
    unsafe { losses::softmax_cross_entropy_rows(s(logits, n), s(target, n), sm(probs, n), sm(losses_out, rows), rows, cols) }
}
#[wasm_bindgen]
pub fn softmax_cross_entropy_rows_backward(probs: usize, target: usize, g: usize, grad: usize, rows: usize, cols: usize) {
    let n = rows * cols;
    unsafe { losses::softmax_cross_entropy_rows_backward(s(probs, n), s(target, n), s(g, rows), sm(grad, n), rows, cols) }
}
