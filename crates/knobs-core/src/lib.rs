//! knobs-core: the numeric kernels of knobs.
//!
//! `kernels::*` are pure, safe functions on slices, tested on the host with `cargo test`.
//! `exports` is the only file with `#[wasm_bindgen]` and the only file with `unsafe`:
//! it turns raw offsets into wasm memory (owned by the TypeScript side) into slices.
pub mod kernels;

#[cfg(target_arch = "wasm32")]
mod exports;
