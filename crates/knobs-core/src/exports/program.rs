//! Traced training steps (kernels/program.rs): one call runs a whole recorded step.
use super::sm;
use crate::kernels::program;
use std::cell::RefCell;
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
    let arena_slice = unsafe { sm(arena, arena_len) };
    // A step replays the same program thousands of times: validate it once per (program, arena)
    // and then only check that its words (the per-step scalars aside) are those validated.
    let result = VALIDATED.with(|v| {
        let mut v = v.borrow_mut();
        if v.0 == (prog, arena, arena_len) && program::same_program(words, &v.1) {
            return program::run_validated(words, arena_slice);
        }
        program::validate(words, arena_len)?;
        v.0 = (prog, arena, arena_len);
        v.1.clear();
        v.1.extend_from_slice(words);
        program::run_validated(words, arena_slice)
    });
    match result {
        Ok(()) => 0,
        Err(f) => f.code(),
    }
}

thread_local! {
    /// The last program that passed validation, with where it and its arena were (see `program_run`).
    static VALIDATED: RefCell<((usize, usize, usize), Vec<u32>)> = const { RefCell::new(((0, 0, 0), Vec::new())) };
}
