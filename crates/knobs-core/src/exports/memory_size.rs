//! The size of wasm memory in one call. A shared memory's `buffer` getter (the threads build)
//! costs ~40 ns in V8, several times per training step; ts/backend's heap() asks this instead
//! whether memory grew.
use wasm_bindgen::prelude::*;

/// Pages of 64 KiB (bytes would overflow u32 at 4 GiB).
#[wasm_bindgen]
pub fn memory_pages() -> usize {
    #[cfg(target_arch = "wasm32")]
    return core::arch::wasm32::memory_size(0);
    #[cfg(not(target_arch = "wasm32"))]
    0
}
