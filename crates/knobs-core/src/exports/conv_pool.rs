//! Inference's fused convolution + activation + 2×2 max pool (kernels/conv.rs). `geom` is the
//! convolution's 14 numbers, as conv2d_forward's; `out` holds [N, O, ⌊Ho/2⌋, ⌊Wo/2⌋].
use super::{s, sm};
use crate::kernels::conv::{self, Geom};
use crate::kernels::dense::Act;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn conv2d_pool_forward(x: usize, w: usize, b: usize, has_bias: bool, out: usize, geom: &[u32], act: u32) {
    let g = Geom::from_slice(geom);
    let (nx, nw, ny) = (g.n * g.c * g.h * g.w, g.o * (g.c / g.groups) * g.kh * g.kw, g.n * g.o * (g.ho / 2) * (g.wo / 2));
    let act = Act::from_code(act).expect("conv2d_pool_forward: unknown activation code");
    unsafe { conv::conv2d_pool_forward(s(x, nx), s(w, nw), s(b, if has_bias { g.o } else { 0 }), sm(out, ny), &g, act) }
}
