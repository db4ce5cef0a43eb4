//! Convolution and pooling (kernels/conv.rs). `geom` is the 14 numbers of `conv::Geom::from_slice`
//! (n c h w o kh kw sh sw ph pw dh dw groups), validated on the TS side before any allocation.
use super::{s, sm};
use crate::kernels::conv::{self, Geom};
use crate::kernels::dense::Act;
use wasm_bindgen::prelude::*;

/// # Safety: as `sm`, for `n` u32 (max-pool argmax indices live in a 4-byte-per-element block).
unsafe fn su32<'a>(p: usize, n: usize) -> &'a mut [u32] {
    if n == 0 { &mut [] } else { core::slice::from_raw_parts_mut(p as *mut u32, n) }
}

fn sizes(g: &Geom) -> (usize, usize, usize) {
    (g.n * g.c * g.h * g.w, g.o * (g.c / g.groups) * g.kh * g.kw, g.n * g.o * g.ho * g.wo)
}

#[wasm_bindgen]
/// `act`: a code of `dense_activation_code` (bias and activation fused into the GEMM's epilogue).
pub fn conv2d_forward(x: usize, w: usize, b: usize, has_bias: bool, out: usize, geom: &[u32], act: u32) {
    let g = Geom::from_slice(geom);
    let (nx, nw, ny) = sizes(&g);
    let act = Act::from_code(act).expect("conv2d_forward: unknown activation code");
    unsafe { conv::conv2d_forward(s(x, nx), s(w, nw), s(b, if has_bias { g.o } else { 0 }), sm(out, ny), &g, act) }
}
#[wasm_bindgen]
pub fn conv2d_backward(x: usize, w: usize, gy: usize, gx: usize, gw: usize, gb: usize, want_gx: bool, want_gw: bool, want_gb: bool, geom: &[u32], accumulate: bool) {
    let g = Geom::from_slice(geom);
    let (nx, nw, ny) = sizes(&g);
    unsafe {
        conv::conv2d_backward(
            s(x, nx), s(w, nw), s(gy, ny),
            sm(gx, if want_gx { nx } else { 0 }), sm(gw, if want_gw { nw } else { 0 }), sm(gb, if want_gb { g.o } else { 0 }),
            &g, accumulate,
        )
    }
}
/// Pools use the geometry with o = c (one output plane per input plane).
#[wasm_bindgen]
/// `want_arg` false (inference): no argmax indices are written and `arg` is not read.
pub fn maxpool2d_forward(x: usize, out: usize, arg: usize, want_arg: bool, geom: &[u32]) {
    let g = Geom::from_slice(geom);
    let (nx, ny) = (g.n * g.c * g.h * g.w, g.n * g.c * g.ho * g.wo);
    unsafe { conv::maxpool2d_forward(s(x, nx), sm(out, ny), su32(arg, if want_arg { ny } else { 0 }), &g) }
}
#[wasm_bindgen]
pub fn maxpool2d_backward(gy: usize, arg: usize, gx: usize, geom: &[u32]) {
    let g = Geom::from_slice(geom);
    let (nx, ny) = (g.n * g.c * g.h * g.w, g.n * g.c * g.ho * g.wo);
    unsafe { conv::maxpool2d_backward(s(gy, ny), su32(arg, ny), sm(gx, nx), &g) }
}
#[wasm_bindgen]
pub fn avgpool2d_forward(x: usize, out: usize, geom: &[u32], exclude_pad: bool) {
    let g = Geom::from_slice(geom);
    let (nx, ny) = (g.n * g.c * g.h * g.w, g.n * g.c * g.ho * g.wo);
    unsafe { conv::avgpool2d_forward(s(x, nx), sm(out, ny), &g, exclude_pad) }
}
#[wasm_bindgen]
pub fn avgpool2d_backward(gy: usize, gx: usize, geom: &[u32], exclude_pad: bool) {
    let g = Geom::from_slice(geom);
    let (nx, ny) = (g.n * g.c * g.h * g.w, g.n * g.c * g.ho * g.wo);
    unsafe { conv::avgpool2d_backward(s(gy, ny), sm(gx, nx), &g, exclude_pad) }
}
