//! Every `#[wasm_bindgen]` export of the crate, one file per kernel concern in `exports/`,
//! and with `kernels/par.rs` the only `unsafe`.
//!
//! Memory is owned by the TypeScript side: it allocates with `alloc_f32`, frees with
//! `free_f32`, and passes byte offsets into wasm memory. The exports turn offsets into
//! slices with the helpers below and call the safe kernels, so no data is copied per call. The TS
//! side validates shapes and guarantees that an output never overlaps an input (except where the
//! name says).
use crate::kernels::broadcast::MAX_RANK;

mod activations;
mod broadcast;
mod conv;
mod dense;
mod dense_pair;
mod distance;
mod elementwise;
mod losses;
mod matmul;
mod matmul_batched;
mod matmul_via;
mod gemm_packing;
mod memory;
mod memory_size;
mod optim;
mod optim_foreach;
mod par;
mod random;
mod reduce;

mod index;
mod losses_rows;
mod reduce_axis;
mod unary;

mod clip;
mod init;

mod layout;

mod word2vec;

mod program;
mod rnn;
mod attention;
mod sparse;
mod conv_pool;

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
fn strides(v: &[u32]) -> [usize; MAX_RANK] {
    let mut out = [0usize; MAX_RANK];
    for (o, x) in out.iter_mut().zip(v) {
        *o = *x as usize;
    }
    out
}
