//! Nonlinearities and their backward passes.
use super::{s, sm};
use crate::kernels::activations;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn relu(x: usize, out: usize, n: usize) {
    unsafe { activations::relu(s(x, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn relu_backward(x: usize, g: usize, out: usize, n: usize) {
    unsafe { activations::relu_backward(s(x, n), s(g, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn sigmoid(x: usize, out: usize, n: usize) {
    unsafe { activations::sigmoid(s(x, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn sigmoid_backward(y: usize, g: usize, out: usize, n: usize) {
    unsafe { activations::sigmoid_backward(s(y, n), s(g, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn tanh(x: usize, out: usize, n: usize) {
    unsafe { activations::tanh(s(x, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn tanh_backward(y: usize, g: usize, out: usize, n: usize) {
    unsafe { activations::tanh_backward(s(y, n), s(g, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn softmax_rows(x: usize, out: usize, rows: usize, cols: usize) {
    unsafe { activations::softmax_rows(s(x, rows * cols), sm(out, rows * cols), rows, cols) }
}
#[wasm_bindgen]
pub fn softmax_backward(y: usize, g: usize, out: usize, rows: usize, cols: usize) {
    unsafe { activations::softmax_backward(s(y, rows * cols), s(g, rows * cols), sm(out, rows * cols), rows, cols) }
}
#[wasm_bindgen]
pub fn log_softmax_rows(x: usize, out: usize, rows: usize, cols: usize) {
    unsafe { activations::log_softmax_rows(s(x, rows * cols), sm(out, rows * cols), rows, cols) }
}
#[wasm_bindgen]
pub fn log_softmax_backward(y: usize, g: usize, out: usize, rows: usize, cols: usize) {
    unsafe { activations::log_softmax_backward(s(y, rows * cols), s(g, rows * cols), sm(out, rows * cols), rows, cols) }
}
