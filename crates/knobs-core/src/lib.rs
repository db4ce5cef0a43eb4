//! knobs-core: the numeric kernels of knobs.
//!
//! `kernels::*` are pure, safe functions on slices, tested on the host with `cargo test`.
//! `exports` (one file per kernel concern in `exports/`) holds every `#[wasm_bindgen]`, and with
//! `kernels::par` (the thread pool that hands parts of a call to other wasm instances) every
//! `unsafe`: it turns raw offsets into wasm memory (owned by the TypeScript side) into slices.
// The pool's wait/notify (kernels/par.rs) are still unstable in core::arch; the build sets
// RUSTC_BOOTSTRAP for -Zbuild-std anyway, and only the +atomics build uses them.
#![cfg_attr(all(target_arch = "wasm32", target_feature = "atomics"), feature(stdarch_wasm_atomic_wait))]
pub mod kernels;

#[cfg(target_arch = "wasm32")]
mod exports;
