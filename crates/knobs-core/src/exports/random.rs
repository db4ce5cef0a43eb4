//! Seeded fills. A seed arrives as two u32 halves: JS numbers are exact only to 2^53.
use super::{seed64, sm};
use crate::kernels::random;
use wasm_bindgen::prelude::*;

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
