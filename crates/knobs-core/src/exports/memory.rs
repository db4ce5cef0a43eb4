//! The TS side owns wasm memory: it allocates tensors here and passes their byte offsets back.
use wasm_bindgen::prelude::*;

/// A block of `max(n, 1)` floats, or 0 when memory cannot grow (or the size overflows): the TS
/// side turns 0 into an error naming the sizes. `with_capacity` would abort with an opaque trap.
#[wasm_bindgen]
pub fn alloc_f32(n: usize) -> usize {
    let mut v = Vec::<f32>::new();
    if v.try_reserve_exact(n.max(1)).is_err() {
        return 0;
    }
    let p = v.as_mut_ptr() as usize;
    core::mem::forget(v);
    p
}
#[wasm_bindgen]
pub fn free_f32(p: usize, n: usize) {
    // SAFETY: p came from alloc_f32(n), which reserved exactly max(n, 1) elements.
    unsafe { drop(Vec::from_raw_parts(p as *mut f32, 0, n.max(1))) }
}
