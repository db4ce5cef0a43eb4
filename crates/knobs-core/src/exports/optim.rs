//! Optimizer steps: param and state updated in place.
use super::{s, sm};
use crate::kernels::optim;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn sgd(param: usize, grad: usize, velocity: usize, n: usize, lr: f32, momentum: f32, weight_decay: f32, nesterov: bool) {
    let vn = if momentum != 0.0 { n } else { 0 };
    unsafe { optim::sgd(sm(param, n), s(grad, n), sm(velocity, vn), lr, momentum, weight_decay, nesterov) }
}
#[wasm_bindgen]
pub fn adam(param: usize, grad: usize, m: usize, v: usize, n: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, weight_decay: f32, decoupled: bool, bc1: f32, bc2: f32) {
    unsafe { optim::adam(sm(param, n), s(grad, n), sm(m, n), sm(v, n), lr, beta1, beta2, eps, weight_decay, decoupled, bc1, bc2) }
}
#[wasm_bindgen]
pub fn rmsprop(param: usize, grad: usize, v: usize, n: usize, lr: f32, alpha: f32, eps: f32, weight_decay: f32) {
    unsafe { optim::rmsprop(sm(param, n), s(grad, n), sm(v, n), lr, alpha, eps, weight_decay) }
}
#[wasm_bindgen]
pub fn adagrad(param: usize, grad: usize, state: usize, n: usize, lr: f32, eps: f32, weight_decay: f32) {
    unsafe { optim::adagrad(sm(param, n), s(grad, n), sm(state, n), lr, eps, weight_decay) }
}
