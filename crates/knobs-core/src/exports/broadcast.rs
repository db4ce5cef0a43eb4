//! Broadcasting: shapes and strides in elements, sizes computed on the TS side.
use super::{s, sm, strides};
use crate::kernels::broadcast;
use wasm_bindgen::prelude::*;

/// The code of an elementwise op name ("add", "sub", "mul", "div"), for `broadcast_binary`.
#[wasm_bindgen]
pub fn broadcast_op_code(name: &str) -> Option<u32> {
    broadcast::BinOp::code(name)
}
#[wasm_bindgen]
pub fn broadcast_binary(op: u32, a: usize, a_len: usize, sa: &[u32], b: usize, b_len: usize, sb: &[u32], out: usize, shape: &[u32]) {
    let op = broadcast::BinOp::from_code(op).expect("broadcast_binary: unknown op code");
    let sh = strides(shape);
    let r = shape.len();
    let n: usize = sh[..r].iter().product();
    unsafe { broadcast::broadcast_binary(op, s(a, a_len), &strides(sa)[..r], s(b, b_len), &strides(sb)[..r], sm(out, n), &sh[..r]) }
}
#[wasm_bindgen]
pub fn reduce_broadcast(src: usize, dst: usize, dst_len: usize, sd: &[u32], shape: &[u32]) {
    let sh = strides(shape);
    let r = shape.len();
    let n: usize = sh[..r].iter().product();
    unsafe { broadcast::reduce_broadcast(s(src, n), sm(dst, dst_len), &strides(sd)[..r], &sh[..r]) }
}
#[wasm_bindgen]
pub fn gather_strided(src: usize, src_len: usize, ss: &[u32], out: usize, shape: &[u32]) {
    let sh = strides(shape);
    let r = shape.len();
    let n: usize = sh[..r].iter().product();
    unsafe { broadcast::gather_strided(s(src, src_len), &strides(ss)[..r], sm(out, n), &sh[..r]) }
}
