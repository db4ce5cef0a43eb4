//! Traced training steps (kernels/program.rs): one call runs a whole recorded step.
use super::sm;
use crate::kernels::program;
use wasm_bindgen::prelude::*;

/// Runs the program of `prog_len` u32 words at `prog` over the arena of `arena_len` floats at
/// `arena`. 0 on success, else a fault code (kernels/program.rs `Fault::code`): the program is
/// validated before its first op runs, so a refused program changed nothing.
#[wasm_bindgen]
pub fn program_run(prog: usize, prog_len: usize, arena: usize, arena_len: usize) -> u32 {
    if prog_len == 0 || prog % 4 != 0 {
        return program::Fault::BadHeader.code();
    }
    // SAFETY: the TS side places the program right after the arena in one block (never
    // overlapping it), alive for the call; the program is only read.
    let words = unsafe { core::slice::from_raw_parts(prog as *const u32, prog_len) };
    let arena = unsafe { sm(arena, arena_len) };
    match program::run(words, arena) {
        Ok(()) => 0,
        Err(f) => f.code(),
    }
}
