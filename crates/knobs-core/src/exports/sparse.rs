//! Exports of kernels/sparse.rs. Row pointers and column indices are i32 blocks the TS side
//! allocates with `alloc_f32` (same 4-byte size and alignment) and validates before these run.
use super::index::{si, sim};
use super::{s, sm};
use crate::kernels::sparse;
use wasm_bindgen::prelude::*;

/// `bias` 0: no bias. `cols`: rows of b (the sparse matrix's column count).
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn sparse_mm(offsets: usize, rows: usize, indices: usize, values: usize, nnz: usize, b: usize, cols: usize, bias: usize, out: usize, n: usize) {
    unsafe {
        let bias = if bias == 0 { None } else { Some(s(bias, n)) };
        sparse::sparse_mm(si(offsets, rows + 1), si(indices, nnz), s(values, nnz), s(b, cols * n), bias, sm(out, rows * n), n)
    }
}
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn sparse_mm_grad_weight(offsets: usize, rows: usize, indices: usize, values: usize, nnz: usize, g: usize, db: usize, cols: usize, n: usize) {
    unsafe { sparse::sparse_mm_grad_weight(si(offsets, rows + 1), si(indices, nnz), s(values, nnz), s(g, rows * n), sm(db, cols * n), n) }
}
/// `indices` and `values` must have room for rows·cols entries; returns the nonzero count.
#[wasm_bindgen]
pub fn dense_to_csr(x: usize, rows: usize, cols: usize, offsets: usize, indices: usize, values: usize) -> usize {
    unsafe { sparse::dense_to_csr(s(x, rows * cols), cols, sim(offsets, rows + 1), sim(indices, rows * cols), sm(values, rows * cols)) }
}
