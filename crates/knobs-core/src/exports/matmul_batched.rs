//! Batched matrix products: the batch shape and each operand's batch strides (elements, 0 =
//! broadcast in A/B, summed in C) as u32 arrays; element counts of the operands from the TS side.
use super::{s, sm, strides};
use crate::kernels::broadcast::MAX_RANK;
use crate::kernels::matmul_batched::{self as mb, Batch};
use wasm_bindgen::prelude::*;

type Kernel = fn(&[f32], &[f32], &mut [f32], &Batch, usize, usize, usize, bool);

#[allow(clippy::too_many_arguments)]
fn call(f: Kernel, a: usize, a_len: usize, b: usize, b_len: usize, c: usize, c_len: usize, shape: &[u32], sa: &[u32], sb: &[u32], sc: &[u32], m: usize, k: usize, n: usize, accumulate: bool) {
    let r = shape.len();
    assert!(r <= MAX_RANK && sa.len() == r && sb.len() == r && sc.len() == r, "matmul_batched: bad batch rank");
    let (sh, sa, sb, sc) = (strides(shape), strides(sa), strides(sb), strides(sc));
    let bt = Batch { shape: &sh[..r], a: &sa[..r], b: &sb[..r], c: &sc[..r] };
    unsafe { f(s(a, a_len), s(b, b_len), sm(c, c_len), &bt, m, k, n, accumulate) }
}
#[wasm_bindgen]
pub fn matmul_batched(a: usize, a_len: usize, b: usize, b_len: usize, c: usize, c_len: usize, shape: &[u32], sa: &[u32], sb: &[u32], sc: &[u32], m: usize, k: usize, n: usize, accumulate: bool) {
    call(mb::matmul_batched, a, a_len, b, b_len, c, c_len, shape, sa, sb, sc, m, k, n, accumulate)
}
#[wasm_bindgen]
pub fn matmul_batched_nt(a: usize, a_len: usize, b: usize, b_len: usize, c: usize, c_len: usize, shape: &[u32], sa: &[u32], sb: &[u32], sc: &[u32], m: usize, k: usize, n: usize, accumulate: bool) {
    call(mb::matmul_batched_nt, a, a_len, b, b_len, c, c_len, shape, sa, sb, sc, m, k, n, accumulate)
}
#[wasm_bindgen]
pub fn matmul_batched_tn(a: usize, a_len: usize, b: usize, b_len: usize, c: usize, c_len: usize, shape: &[u32], sa: &[u32], sb: &[u32], sc: &[u32], m: usize, k: usize, n: usize, accumulate: bool) {
    call(mb::matmul_batched_tn, a, a_len, b, b_len, c, c_len, shape, sa, sb, sc, m, k, n, accumulate)
}
