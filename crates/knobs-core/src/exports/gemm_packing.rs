//! How gemm's rule packs A on this machine (`gemm_packing`), set once by `init()` from a
//! measurement (ts/backend/gemm-packing.ts).
use crate::kernels::matmul as mm;
use wasm_bindgen::prelude::*;

/// `mode`: 0 asks, 1 pre-broadcast, 2 plain; returns the mode in effect (2 on the relaxed build).
#[wasm_bindgen]
pub fn gemm_packing(mode: u32) -> u32 {
    assert!(mode <= mm::PACKING_PLAIN, "gemm_packing: no mode {mode}");
    mm::gemm_packing(mode)
}
