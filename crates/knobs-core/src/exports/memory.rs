//! The TS side owns wasm memory: it allocates tensors here and passes their byte offsets back.
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn alloc_f32(n: usize) -> usize {
    let mut v = Vec::<f32>::with_capacity(n.max(1));
    let p = v.as_mut_ptr() as usize;
    core::mem::forget(v);
    p
}
#[wasm_bindgen]
pub fn free_f32(p: usize, n: usize) {
    // SAFETY: p came from alloc_f32(n), which reserved exactly max(n, 1) elements.
    unsafe { drop(Vec::from_raw_parts(p as *mut f32, 0, n.max(1))) }
}
