//! The thread pool's controls. The +atomics build has a pool of wasm instances on one shared
//! memory (see kernels/par.rs); in the other builds there is one thread and these are no-ops.
use crate::kernels::par;
use wasm_bindgen::prelude::*;

/// Threads a matmul may use now: the pool's size, capped by `thread_limit`.
#[wasm_bindgen]
pub fn thread_count() -> usize {
    par::threads()
}
/// Threads in the pool (the caller and the workers that have joined).
#[wasm_bindgen]
pub fn thread_pool_size() -> usize {
    par::pool_size()
}
/// Parts of matmuls that pool workers (not the calling thread) have run: lets tests see the pool work.
#[wasm_bindgen]
pub fn thread_worker_parts() -> u32 {
    par::worker_parts()
}
/// Caps the threads a matmul may use (at least 1).
#[wasm_bindgen]
pub fn thread_limit(n: u32) {
    par::set_limit(n)
}
/// A pool worker's whole life (JS calls it once in each worker instance; it never returns).
#[wasm_bindgen]
pub fn thread_worker_loop() {
    par::worker_loop()
}
