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
    // A step replays the same program thousands of times: validate and decode it once per
    // (program, arena) and then only check that its words (the per-step scalars aside) are those.
    let result = PLAN.with(|v| {
        let mut v = v.borrow_mut();
        if v.0 == (prog, arena, arena_len) {
            if let Some(plan) = v.1.as_ref().filter(|p| p.is(words)) {
                return plan.run(words, arena_slice);
            }
        }
        v.1 = None;
        let plan = program::Plan::new(words, arena_len)?;
        v.0 = (prog, arena, arena_len);
        plan.run(words, arena_slice)?;
        v.1 = Some(plan);
        Ok(())
    });
    match result {
        Ok(()) => 0,
        Err(f) => f.code(),
    }
}

thread_local! {
    /// The last program that passed validation, decoded, with where it and its arena were (see `program_run`).
    static PLAN: RefCell<((usize, usize, usize), Option<program::Plan>)> = const { RefCell::new(((0, 0, 0), None)) };
}
