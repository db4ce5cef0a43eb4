//! Exports of kernels/index.rs. Index buffers are i32 blocks the TS side allocates with
//! `alloc_f32` (same 4-byte size and alignment) and fills with validated indices.
use super::{s, sm, strides};
use crate::kernels::{broadcast::MAX_RANK, index};
use wasm_bindgen::prelude::*;

/// # Safety: `p` must point to `n` initialised i32 owned by the caller for the call's duration.
#[inline(always)]
pub(super) unsafe fn si<'a>(p: usize, n: usize) -> &'a [i32] {
    if n == 0 { &[] } else { core::slice::from_raw_parts(p as *const i32, n) }
}
/// # Safety: as `si`, and no other live slice may overlap it.
#[inline(always)]
pub(super) unsafe fn sim<'a>(p: usize, n: usize) -> &'a mut [i32] {
    if n == 0 { &mut [] } else { core::slice::from_raw_parts_mut(p as *mut i32, n) }
}
fn rank_ok(shape: &[u32]) -> usize {
    assert!(shape.len() <= MAX_RANK, "index: rank above {MAX_RANK}");
    shape.len()
}

#[wasm_bindgen]
pub fn indices_from_f32(src: usize, dst: usize, n: usize) -> usize {
    unsafe { index::indices_from_f32(s(src, n), sim(dst, n)) }
}
#[wasm_bindgen]
pub fn first_bad_index(idx: usize, n: usize, hi: i32) -> usize {
    unsafe { index::first_bad_index(si(idx, n), hi) }
}
#[wasm_bindgen]
pub fn indices_to_f32(src: usize, dst: usize, n: usize) {
    unsafe { index::indices_to_f32(si(src, n), sm(dst, n)) }
}
#[wasm_bindgen]
pub fn index_select(x: usize, idx: usize, m: usize, out: usize, outer: usize, n: usize, inner: usize) {
    unsafe { index::index_select(s(x, outer * n * inner), si(idx, m), sm(out, outer * m * inner), outer, n, inner) }
}
#[wasm_bindgen]
pub fn index_add(dst: usize, idx: usize, m: usize, src: usize, outer: usize, n: usize, inner: usize) {
    unsafe { index::index_add(sm(dst, outer * n * inner), si(idx, m), s(src, outer * m * inner), outer, n, inner) }
}
/// `xs`: x's strides; `shape`: the index's (and output's) shape.
#[wasm_bindgen]
pub fn gather(x: usize, x_len: usize, xs: &[u32], axis: usize, idx: usize, out: usize, shape: &[u32]) {
    let r = rank_ok(shape);
    let sh = strides(shape);
    let n: usize = sh[..r].iter().product();
    unsafe { index::gather(s(x, x_len), &strides(xs)[..r], axis, si(idx, n), sm(out, n), &sh[..r]) }
}
#[wasm_bindgen]
pub fn scatter_add(dst: usize, dst_len: usize, ds: &[u32], axis: usize, idx: usize, src: usize, shape: &[u32]) {
    let r = rank_ok(shape);
    let sh = strides(shape);
    let n: usize = sh[..r].iter().product();
    unsafe { index::scatter_add(sm(dst, dst_len), &strides(ds)[..r], axis, si(idx, n), s(src, n), &sh[..r]) }
}
#[wasm_bindgen]
pub fn one_hot(idx: usize, n: usize, out: usize, classes: usize) {
    unsafe { index::one_hot(si(idx, n), sm(out, n * classes), classes) }
}
#[wasm_bindgen]
pub fn first_not_binary(x: usize, n: usize) -> usize {
    unsafe { index::first_not_binary(s(x, n)) }
}
#[wasm_bindgen]
pub fn where_select(cond: usize, cond_len: usize, sc: &[u32], a: usize, a_len: usize, sa: &[u32], b: usize, b_len: usize, sb: &[u32], out: usize, shape: &[u32]) {
    let r = rank_ok(shape);
    let sh = strides(shape);
    let n: usize = sh[..r].iter().product();
    unsafe { index::where_select(s(cond, cond_len), &strides(sc)[..r], s(a, a_len), &strides(sa)[..r], s(b, b_len), &strides(sb)[..r], sm(out, n), &sh[..r]) }
}
