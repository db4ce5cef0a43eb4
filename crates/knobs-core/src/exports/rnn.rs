//! Fused LSTM and GRU sequences (kernels/rnn.rs). An absent bias is pointer 0 with `has_bias` false.
use super::{s, sm};
use crate::kernels::rnn;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn lstm_sequence(xi: usize, whh: usize, bhh: usize, has_bias: bool, h0: usize, c0: usize, ys: usize, cs: usize, acts: usize, t: usize, b: usize, hid: usize) {
    let (bh, g) = (b * hid, 4 * hid);
    unsafe {
        rnn::lstm_sequence(
            s(xi, t * b * g), s(whh, g * hid), s(bhh, if has_bias { g } else { 0 }), s(h0, bh), s(c0, bh),
            sm(ys, (t + 1) * bh), sm(cs, (t + 1) * bh), sm(acts, t * b * g), t, b, hid,
        )
    }
}
#[wasm_bindgen]
pub fn lstm_sequence_backward(
    whh: usize, ys: usize, cs: usize, acts: usize, dys: usize, dcs: usize,
    dxi: usize, dh0: usize, dc0: usize, dwhh: usize, dbhh: usize, has_bias: bool, t: usize, b: usize, hid: usize, need_dh0: bool, accumulate: bool,
) {
    let (bh, g) = (b * hid, 4 * hid);
    unsafe {
        rnn::lstm_sequence_backward(
            s(whh, g * hid), s(ys, (t + 1) * bh), s(cs, (t + 1) * bh), s(acts, t * b * g), s(dys, t * bh), s(dcs, t * bh),
            sm(dxi, t * b * g), sm(dh0, bh), sm(dc0, bh), sm(dwhh, g * hid), sm(dbhh, if has_bias { g } else { 0 }), t, b, hid, need_dh0, accumulate,
        )
    }
}
#[wasm_bindgen]
pub fn gru_sequence(xi: usize, whh: usize, bhh: usize, has_bias: bool, h0: usize, ys: usize, acts: usize, t: usize, b: usize, hid: usize) {
    let bh = b * hid;
    unsafe {
        rnn::gru_sequence(
            s(xi, t * b * 3 * hid), s(whh, 3 * hid * hid), s(bhh, if has_bias { 3 * hid } else { 0 }), s(h0, bh),
            sm(ys, (t + 1) * bh), sm(acts, t * b * 4 * hid), t, b, hid,
        )
    }
}
#[wasm_bindgen]
pub fn gru_sequence_backward(
    whh: usize, ys: usize, acts: usize, dys: usize, dxi: usize, dh0: usize, dwhh: usize, dbhh: usize, has_bias: bool,
    t: usize, b: usize, hid: usize, need_dh0: bool, accumulate: bool,
) {
    let bh = b * hid;
    unsafe {
        rnn::gru_sequence_backward(
            s(whh, 3 * hid * hid), s(ys, (t + 1) * bh), s(acts, t * b * 4 * hid), s(dys, t * bh),
            sm(dxi, t * b * 3 * hid), sm(dh0, bh), sm(dwhh, 3 * hid * hid), sm(dbhh, if has_bias { 3 * hid } else { 0 }), t, b, hid, need_dh0, accumulate,
        )
    }
}
