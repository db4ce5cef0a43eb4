//! Distances and assignments for the classic learners; labels and indices as u32 JS arrays.
use super::{s, sm};
use crate::kernels::distance;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn sq_dist(a: usize, b: usize, out: usize, m: usize, n: usize, d: usize) {
    unsafe { distance::sq_dist(s(a, m * d), s(b, n * d), sm(out, m * n), m, n, d) }
}
#[wasm_bindgen]
pub fn argmin_rows(x: usize, idx: &mut [u32], min: usize, rows: usize, cols: usize) {
    unsafe { distance::argmin_rows(s(x, rows * cols), idx, sm(min, rows), rows, cols) }
}
#[wasm_bindgen]
pub fn center_sums(x: usize, labels: &[u32], sums: usize, counts: usize, n: usize, k: usize, d: usize) {
    unsafe { distance::center_sums(s(x, n * d), labels, sm(sums, k * d), sm(counts, k), n, k, d) }
}
/// k nearest per row of a distance matrix: indices (ascending distance, ties → lower index) into out_idx [n×k].
#[wasm_bindgen]
pub fn knn_select(dist: usize, n: usize, m: usize, k: usize, out_idx: &mut [u32]) {
    unsafe { distance::knn_select(s(dist, n * m), n, m, k, out_idx) }
}
