//! `matmul` and `matmul_tn` through a chosen gemm path (`gemm_via`): what a compiled step times
//! at compile time to pick the path its dense ops then run (ts/compile/tune.ts).
use super::{s, sm};
use crate::kernels::matmul as mm;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn matmul_via(via: u32, a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, accumulate: bool) {
    assert!(via < mm::VIA_PATHS, "matmul_via: no path {via}");
    unsafe { mm::matmul_via(via, s(a, m * k), s(b, k * n), sm(c, m * n), m, k, n, accumulate) }
}
#[wasm_bindgen]
pub fn matmul_tn_via(via: u32, a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, accumulate: bool) {
    assert!(via < mm::VIA_PATHS, "matmul_tn_via: no path {via}");
    unsafe { mm::matmul_tn_via(via, s(a, k * m), s(b, k * n), sm(c, m * n), m, k, n, accumulate) }
}
