//! Attention's fused masked softmax (kernels/attention.rs). `mask` is 0 for no mask; its strides
//! are in elements over [b, h, l, s] with 0 on broadcast axes, checked on the TS side.
use super::{s, sm};
use crate::kernels::attention::{self, MaskedSoftmaxShape};
use wasm_bindgen::prelude::*;

fn shape_of(dims: &[u32], mask_strides: &[u32], causal: bool) -> MaskedSoftmaxShape {
    let four = |v: &[u32]| -> [usize; 4] {
        let mut o = [0usize; 4];
        for (o, x) in o.iter_mut().zip(v) {
            *o = *x as usize;
        }
        o
    };
    MaskedSoftmaxShape { dims: four(dims), mask_strides: four(mask_strides), causal }
}

#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn masked_softmax(x: usize, mask: usize, mask_len: usize, dims: &[u32], mask_strides: &[u32], causal: bool, scale: f32, out: usize) {
    let shape = shape_of(dims, mask_strides, causal);
    let n: usize = shape.dims.iter().product();
    unsafe {
        let m = if mask == 0 { None } else { Some(s(mask, mask_len)) };
        attention::masked_softmax(s(x, n), m, &shape, scale, sm(out, n))
    }
}
#[wasm_bindgen]
pub fn masked_softmax_backward(y: usize, g: usize, n: usize, cols: usize, scale: f32, out: usize) {
    unsafe { attention::masked_softmax_backward(s(y, n), s(g, n), cols, scale, sm(out, n)) }
}
