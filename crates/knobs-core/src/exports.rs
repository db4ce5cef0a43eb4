//! Every `#[wasm_bindgen]` export and every `unsafe` of the crate.
//!
//! Memory is owned by the TypeScript side: it allocates with `alloc_f32`, frees with
//! `free_f32`, and passes byte offsets into wasm memory. These wrappers turn offsets into
//! slices and call the safe kernels, so no data is copied per call. The TS side validates
//! shapes and guarantees that an output never overlaps an input (except where the name says).
use crate::kernels::{activations, broadcast, dense, elementwise, losses, matmul as mm, optim, par, random, reduce};
use wasm_bindgen::prelude::*;

mod word2vec;

/// # Safety: `p` must point to `n` initialised f32 owned by the caller for the call's duration.
#[inline(always)]
unsafe fn s<'a>(p: usize, n: usize) -> &'a [f32] {
    if n == 0 { &[] } else { core::slice::from_raw_parts(p as *const f32, n) }
}
/// # Safety: as `s`, and no other live slice may overlap it.
#[inline(always)]
unsafe fn sm<'a>(p: usize, n: usize) -> &'a mut [f32] {
    if n == 0 { &mut [] } else { core::slice::from_raw_parts_mut(p as *mut f32, n) }
}
fn seed64(lo: u32, hi: u32) -> u64 {
    (hi as u64) << 32 | lo as u64
}
fn strides(v: &[u32]) -> [usize; broadcast::MAX_RANK] {
    let mut out = [0usize; broadcast::MAX_RANK];
    for (o, x) in out.iter_mut().zip(v) {
        *o = *x as usize;
    }
    out
}

// ---- memory ----
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

// ---- threads: the +atomics build has a pool of wasm instances on one shared memory (see
// kernels/par.rs); in the other builds there is one thread and these are no-ops ----
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

// ---- matmul ----
#[wasm_bindgen]
pub fn matmul(a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, accumulate: bool) {
    unsafe { mm::matmul(s(a, m * k), s(b, k * n), sm(c, m * n), m, k, n, accumulate) }
}
#[wasm_bindgen]
pub fn matmul_nt(a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, accumulate: bool) {
    unsafe { mm::matmul_nt(s(a, m * k), s(b, n * k), sm(c, m * n), m, k, n, accumulate) }
}
#[wasm_bindgen]
pub fn matmul_tn(a: usize, b: usize, c: usize, m: usize, k: usize, n: usize, accumulate: bool) {
    unsafe { mm::matmul_tn(s(a, k * m), s(b, k * n), sm(c, m * n), m, k, n, accumulate) }
}

// ---- fused dense layer (act: 0 none, 1 relu, 2 sigmoid, 3 tanh; pointer 0 with has_* false = absent) ----
fn act_of(code: u32) -> dense::Act {
    dense::Act::from_code(code).expect("dense: unknown activation code")
}
#[wasm_bindgen]
pub fn dense_forward(x: usize, w: usize, b: usize, has_bias: bool, out: usize, m: usize, k: usize, n: usize, act: u32) {
    unsafe { dense::dense_forward(s(x, m * k), s(w, k * n), s(b, if has_bias { n } else { 0 }), sm(out, m * n), m, k, n, act_of(act)) }
}
#[wasm_bindgen]
pub fn dense_backward(x: usize, w: usize, y: usize, gy: usize, gz: usize, gx: usize, gw: usize, gb: usize, m: usize, k: usize, n: usize, act: u32, want_gx: bool, want_gw: bool, want_gb: bool, accumulate: bool) {
    unsafe {
        dense::dense_backward(
            s(x, m * k), s(w, k * n), s(y, m * n), s(gy, m * n), sm(gz, m * n),
            sm(gx, if want_gx { m * k } else { 0 }), sm(gw, if want_gw { k * n } else { 0 }), sm(gb, if want_gb { n } else { 0 }),
            m, k, n, act_of(act), accumulate,
        )
    }
}

// ---- elementwise ----
#[wasm_bindgen]
pub fn add(a: usize, b: usize, out: usize, n: usize) {
    unsafe { elementwise::add(s(a, n), s(b, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn sub(a: usize, b: usize, out: usize, n: usize) {
    unsafe { elementwise::sub(s(a, n), s(b, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn mul(a: usize, b: usize, out: usize, n: usize) {
    unsafe { elementwise::mul(s(a, n), s(b, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn div(a: usize, b: usize, out: usize, n: usize) {
    unsafe { elementwise::div(s(a, n), s(b, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn scale(a: usize, alpha: f32, beta: f32, out: usize, n: usize) {
    unsafe { elementwise::scale(s(a, n), alpha, beta, sm(out, n)) }
}
#[wasm_bindgen]
pub fn scale_inplace(x: usize, alpha: f32, beta: f32, n: usize) {
    unsafe { elementwise::scale_inplace(sm(x, n), alpha, beta) }
}
#[wasm_bindgen]
pub fn axpy(alpha: f32, x: usize, y: usize, n: usize) {
    unsafe { elementwise::axpy(alpha, s(x, n), sm(y, n)) }
}
#[wasm_bindgen]
pub fn add_row(a: usize, bias: usize, out: usize, rows: usize, cols: usize) {
    unsafe { elementwise::add_row(s(a, rows * cols), s(bias, cols), sm(out, rows * cols), cols) }
}
#[wasm_bindgen]
pub fn pow_scalar(a: usize, p: f32, out: usize, n: usize) {
    unsafe { elementwise::pow_scalar(s(a, n), p, sm(out, n)) }
}
#[wasm_bindgen]
pub fn exp(a: usize, out: usize, n: usize) {
    unsafe { elementwise::exp(s(a, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn log(a: usize, out: usize, n: usize) {
    unsafe { elementwise::log(s(a, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn count_nonfinite(a: usize, n: usize) -> usize {
    unsafe { elementwise::count_nonfinite(s(a, n)) }
}

// ---- broadcasting (shapes and strides in elements; sizes computed on the TS side) ----
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

// ---- reductions ----
#[wasm_bindgen]
pub fn sum_rows(a: usize, out: usize, rows: usize, cols: usize, accumulate: bool) {
    unsafe { reduce::sum_rows(s(a, rows * cols), sm(out, cols), rows, cols, accumulate) }
}
#[wasm_bindgen]
pub fn sum_cols(a: usize, out: usize, rows: usize, cols: usize) {
    unsafe { reduce::sum_cols(s(a, rows * cols), sm(out, rows), rows, cols) }
}
#[wasm_bindgen]
pub fn pairwise_sum(a: usize, n: usize) -> f32 {
    unsafe { reduce::pairwise_sum(s(a, n)) }
}
#[wasm_bindgen]
pub fn argmax_rows(a: usize, out: &mut [u32], rows: usize, cols: usize) {
    unsafe { reduce::argmax_rows(s(a, rows * cols), out, rows, cols) }
}

// ---- activations ----
#[wasm_bindgen]
pub fn relu(x: usize, out: usize, n: usize) {
    unsafe { activations::relu(s(x, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn relu_backward(x: usize, g: usize, out: usize, n: usize) {
    unsafe { activations::relu_backward(s(x, n), s(g, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn sigmoid(x: usize, out: usize, n: usize) {
    unsafe { activations::sigmoid(s(x, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn sigmoid_backward(y: usize, g: usize, out: usize, n: usize) {
    unsafe { activations::sigmoid_backward(s(y, n), s(g, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn tanh(x: usize, out: usize, n: usize) {
    unsafe { activations::tanh(s(x, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn tanh_backward(y: usize, g: usize, out: usize, n: usize) {
    unsafe { activations::tanh_backward(s(y, n), s(g, n), sm(out, n)) }
}
#[wasm_bindgen]
pub fn softmax_rows(x: usize, out: usize, rows: usize, cols: usize) {
    unsafe { activations::softmax_rows(s(x, rows * cols), sm(out, rows * cols), rows, cols) }
}
#[wasm_bindgen]
pub fn softmax_backward(y: usize, g: usize, out: usize, rows: usize, cols: usize) {
    unsafe { activations::softmax_backward(s(y, rows * cols), s(g, rows * cols), sm(out, rows * cols), rows, cols) }
}
#[wasm_bindgen]
pub fn log_softmax_rows(x: usize, out: usize, rows: usize, cols: usize) {
    unsafe { activations::log_softmax_rows(s(x, rows * cols), sm(out, rows * cols), rows, cols) }
}
#[wasm_bindgen]
pub fn log_softmax_backward(y: usize, g: usize, out: usize, rows: usize, cols: usize) {
    unsafe { activations::log_softmax_backward(s(y, rows * cols), s(g, rows * cols), sm(out, rows * cols), rows, cols) }
}

// ---- losses ----
#[wasm_bindgen]
pub fn mse(pred: usize, target: usize, n: usize) -> f64 {
    unsafe { losses::mse(s(pred, n), s(target, n)) }
}
#[wasm_bindgen]
pub fn mse_backward(pred: usize, target: usize, grad: usize, n: usize, scale: f32) {
    unsafe { losses::mse_backward(s(pred, n), s(target, n), sm(grad, n), scale) }
}
#[wasm_bindgen]
pub fn softmax_cross_entropy(logits: usize, target: usize, probs: usize, rows: usize, cols: usize) -> f64 {
    let n = rows * cols;
    unsafe { losses::softmax_cross_entropy(s(logits, n), s(target, n), sm(probs, n), rows, cols) }
}
#[wasm_bindgen]
pub fn softmax_cross_entropy_backward(probs: usize, target: usize, grad: usize, n: usize, scale: f32) {
    unsafe { losses::softmax_cross_entropy_backward(s(probs, n), s(target, n), sm(grad, n), scale) }
}

// ---- optimizers (param, state updated in place) ----
#[wasm_bindgen]
pub fn sgd(param: usize, grad: usize, velocity: usize, n: usize, lr: f32, momentum: f32, weight_decay: f32, nesterov: bool) {
    let vn = if momentum != 0.0 { n } else { 0 };
    unsafe { optim::sgd(sm(param, n), s(grad, n), sm(velocity, vn), lr, momentum, weight_decay, nesterov) }
}
#[wasm_bindgen]
pub fn adam(param: usize, grad: usize, m: usize, v: usize, n: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, weight_decay: f32, decoupled: bool, bc1: f32, bc2: f32) {
    unsafe { optim::adam(sm(param, n), s(grad, n), sm(m, n), sm(v, n), lr, beta1, beta2, eps, weight_decay, decoupled, bc1, bc2) }
}
#[wasm_bindgen]
pub fn rmsprop(param: usize, grad: usize, v: usize, n: usize, lr: f32, alpha: f32, eps: f32, weight_decay: f32) {
    unsafe { optim::rmsprop(sm(param, n), s(grad, n), sm(v, n), lr, alpha, eps, weight_decay) }
}
#[wasm_bindgen]
pub fn adagrad(param: usize, grad: usize, state: usize, n: usize, lr: f32, eps: f32, weight_decay: f32) {
    unsafe { optim::adagrad(sm(param, n), s(grad, n), sm(state, n), lr, eps, weight_decay) }
}

// ---- random (seed as two u32 halves: JS numbers are exact only to 2^53) ----
#[wasm_bindgen]
pub fn fill_uniform(out: usize, n: usize, seed_lo: u32, seed_hi: u32, lo: f32, hi: f32) {
    unsafe { random::fill_uniform(sm(out, n), seed64(seed_lo, seed_hi), lo, hi) }
}
#[wasm_bindgen]
pub fn fill_normal(out: usize, n: usize, seed_lo: u32, seed_hi: u32, mean: f32, std: f32) {
    unsafe { random::fill_normal(sm(out, n), seed64(seed_lo, seed_hi), mean, std) }
}
#[wasm_bindgen]
pub fn dropout_mask(out: usize, n: usize, seed_lo: u32, seed_hi: u32, p: f32) {
    unsafe { random::dropout_mask(sm(out, n), seed64(seed_lo, seed_hi), p) }
}

// ---- distances and assignments (classic learners; labels/indices as u32 JS arrays) ----
#[wasm_bindgen]
pub fn sq_dist(a: usize, b: usize, out: usize, m: usize, n: usize, d: usize) {
    unsafe { crate::kernels::distance::sq_dist(s(a, m * d), s(b, n * d), sm(out, m * n), m, n, d) }
}
#[wasm_bindgen]
pub fn sq_dist_direct(a: usize, b: usize, out: usize, m: usize, n: usize, d: usize) {
    unsafe { crate::kernels::distance::sq_dist_direct(s(a, m * d), s(b, n * d), sm(out, m * n), m, n, d) }
}
#[wasm_bindgen]
pub fn sq_dist_gemm(a: usize, b: usize, out: usize, m: usize, n: usize, d: usize) {
    unsafe { crate::kernels::distance::sq_dist_gemm(s(a, m * d), s(b, n * d), sm(out, m * n), m, n, d) }
}
#[wasm_bindgen]
pub fn argmin_rows(x: usize, idx: &mut [u32], min: usize, rows: usize, cols: usize) {
    unsafe { crate::kernels::distance::argmin_rows(s(x, rows * cols), idx, sm(min, rows), rows, cols) }
}
#[wasm_bindgen]
pub fn center_sums(x: usize, labels: &[u32], sums: usize, counts: usize, n: usize, k: usize, d: usize) {
    unsafe { crate::kernels::distance::center_sums(s(x, n * d), labels, sm(sums, k * d), sm(counts, k), n, k, d) }
}
#[wasm_bindgen]
pub fn row_norms(a: usize, out: usize, n: usize, d: usize) {
    unsafe { crate::kernels::distance::row_norms(s(a, n * d), n, d, sm(out, n)) }
}
/// k nearest per row of a distance matrix: indices (ascending distance, ties → lower index) into out_idx [n×k].
#[wasm_bindgen]
pub fn knn_select(dist: usize, n: usize, m: usize, k: usize, out_idx: &mut [u32]) {
    unsafe { crate::kernels::distance::knn_select(s(dist, n * m), n, m, k, out_idx) }
}
