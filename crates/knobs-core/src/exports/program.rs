//! Traced training steps (kernels/program.rs): one call runs a whole recorded step.
use super::sm;
use crate::kernels::program;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// Runs the program of `prog_len` u32 words at `prog` over the arena of `arena_len` floats at
/// `arena`, with the step's x and y read at byte offsets `x` and `y` (0: already in their slots;
/// each as long as its slot, outside the arena). 0 on success, else a fault code
/// (kernels/program.rs `Fault::code`): the program is validated before its first op runs, so a
/// refused program changed nothing.
#[wasm_bindgen]
pub fn program_run(prog: usize, prog_len: usize, arena: usize, arena_len: usize, x: usize, y: usize) -> u32 {
    if prog_len == 0 || prog % 4 != 0 {
        return program::Fault::BadHeader.code();
    }
    // SAFETY: the TS side places the program right after the arena in one block (never
    // overlapping it), alive for the call; the program is only read.
    let words = unsafe { core::slice::from_raw_parts(prog as *const u32, prog_len) };
    // A step replays the same program thousands of times: validate and decode it once per
    // (program, arena) and then only check that its words (the per-step scalars aside) are those.
    let result = PLAN.with(|v| {
        let mut v = v.borrow_mut();
        if v.0 != (prog, arena, arena_len) || !v.1.as_ref().is_some_and(|p| p.is(words)) {
            v.1 = None;
            v.1 = Some(program::Plan::new(words, arena_len)?);
            v.0 = (prog, arena, arena_len);
        }
        let plan = v.1.as_ref().expect("decoded above");
        let (a0, a1) = (arena, arena + arena_len * 4);
        let mut inputs: [Option<&[f32]>; 2] = [None, None];
        for (s, (slot, p)) in inputs.iter_mut().zip([x, y]).enumerate() {
            let n = plan.slot_len(s);
            if p == 0 {
                continue;
            }
            // Read while the arena is borrowed mutably: it must lie wholly outside it.
            if p % 4 != 0 || n == 0 || !(p + n * 4 <= a0 || p >= a1) {
                return Err(program::Fault::BadInput);
            }
            // SAFETY: a live tensor's floats (the TS side passes its pointer for the call),
            // disjoint from the arena as just checked, only read.
            *slot = Some(unsafe { core::slice::from_raw_parts(p as *const f32, n) });
        }
        let arena_slice = unsafe { sm(arena, arena_len) };
        plan.run(words, arena_slice, inputs)
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
