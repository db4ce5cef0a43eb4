//! Exports of `kernels::layout`: strided copies for permute, slice, cat and their gradients.
//! Offsets and strides are in elements; `*_len` are the whole buffers, so a view that would step
//! outside them panics (a trap) instead of touching other memory.
use super::{s, sm, strides};
use crate::kernels::layout;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn copy_strided(src: usize, src_len: usize, src_off: usize, ss: &[u32], dst: usize, dst_len: usize, dst_off: usize, sd: &[u32], shape: &[u32]) {
    let r = shape.len();
    assert!(ss.len() == r && sd.len() == r, "copy_strided: strides do not match the rank");
    let sh = strides(shape);
    unsafe { layout::copy_strided(s(src, src_len), src_off, &strides(ss)[..r], sm(dst, dst_len), dst_off, &strides(sd)[..r], &sh[..r]) }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn add_strided(src: usize, src_len: usize, src_off: usize, ss: &[u32], dst: usize, dst_len: usize, dst_off: usize, sd: &[u32], shape: &[u32]) {
    let r = shape.len();
    assert!(ss.len() == r && sd.len() == r, "add_strided: strides do not match the rank");
    let sh = strides(shape);
    unsafe { layout::add_strided(s(src, src_len), src_off, &strides(ss)[..r], sm(dst, dst_len), dst_off, &strides(sd)[..r], &sh[..r]) }
}
