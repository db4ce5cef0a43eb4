//! Exports of kernels/reduce_axis.rs (arg positions go to i32 buffers, see exports/index.rs).
use super::index::sim;
use super::{s, sm};
use crate::kernels::reduce_axis;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn max_axis(x: usize, out: usize, arg: usize, outer: usize, n: usize, inner: usize) {
    unsafe { reduce_axis::max_axis(s(x, outer * n * inner), sm(out, outer * inner), sim(arg, outer * inner), outer, n, inner) }
}
#[wasm_bindgen]
pub fn min_axis(x: usize, out: usize, arg: usize, outer: usize, n: usize, inner: usize) {
    unsafe { reduce_axis::min_axis(s(x, outer * n * inner), sm(out, outer * inner), sim(arg, outer * inner), outer, n, inner) }
}
#[wasm_bindgen]
pub fn logsumexp_axis(x: usize, out: usize, outer: usize, n: usize, inner: usize) {
    unsafe { reduce_axis::logsumexp_axis(s(x, outer * n * inner), sm(out, outer * inner), outer, n, inner) }
}
#[wasm_bindgen]
pub fn logsumexp_backward(x: usize, y: usize, g: usize, gx: usize, outer: usize, n: usize, inner: usize) {
    unsafe { reduce_axis::logsumexp_backward(s(x, outer * n * inner), s(y, outer * inner), s(g, outer * inner), sm(gx, outer * n * inner), outer, n, inner) }
}
