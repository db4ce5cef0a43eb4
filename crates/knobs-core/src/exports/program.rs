//! Traced training steps (kernels/program.rs): one call runs a whole recorded step.
use super::{s, sm};
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
    let result = with_plan(words, arena, arena_len, |plan, arena_slice| {
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
        plan.run(words, arena_slice, inputs)
    });
    match result {
        Ok(()) => 0,
        Err(f) => f.code(),
    }
}

/// The decoded plan of `words` over the arena at `arena` (`arena_len` floats), with the arena as
/// a slice. A step replays the same program thousands of times: it is validated and decoded once
/// per (program, arena), then only checked to be the same words (the per-step scalars aside).
fn with_plan<T>(words: &[u32], arena: usize, arena_len: usize, f: impl FnOnce(&program::Plan, &mut [f32]) -> Result<T, program::Fault>) -> Result<T, program::Fault> {
    PLAN.with(|v| {
        let mut v = v.borrow_mut();
        let prog = words.as_ptr() as usize;
        if v.0 != (prog, arena, arena_len) || !v.1.as_ref().is_some_and(|p| p.is(words)) {
            v.1 = None;
            v.1 = Some(program::Plan::new(words, arena_len)?);
            v.0 = (prog, arena, arena_len);
        }
        // SAFETY: the arena is the caller's block, alive for the call; the program (read only)
        // lies after it, and every other slice the callers make is checked to be outside it.
        f(v.1.as_ref().expect("decoded above"), unsafe { sm(arena, arena_len) })
    })
}

/// Runs `steps` steps of the program (`program_run`'s first four arguments) in one call, step s
/// on batch `(first + s) mod nb` of the `x_len` floats at `x` and `y_len` at `y` (nb whole
/// batches of the input slots' lengths each, outside the arena). Each step's loss (the float at
/// arena offset `loss_at`) goes to `losses[s]`; `losses[steps]` receives the count of steps done
/// (a non-finite loss ends the run after its step). `bc`: Adam's bias corrections, two floats a
/// step, or 0 for the header's. 0, or the fault code of the step that was refused.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn program_run_steps(prog: usize, prog_len: usize, arena: usize, arena_len: usize, x: usize, x_len: usize, y: usize, y_len: usize, first: usize, steps: usize, loss_at: usize, bc: usize, losses: usize) -> u32 {
    if prog_len == 0 || prog % 4 != 0 || losses == 0 {
        return program::Fault::BadHeader.code();
    }
    // SAFETY: as program_run: the program follows the arena in one block and is only read.
    let words = unsafe { core::slice::from_raw_parts(prog as *const u32, prog_len) };
    let (a0, a1) = (arena, arena + arena_len * 4);
    let outside = |p: usize, n: usize| p % 4 == 0 && p != 0 && (p + n * 4 <= a0 || p >= a1);
    let apart = |p: usize, n: usize, q: usize, m: usize| p + n * 4 <= q || q + m * 4 <= p;
    let ok = outside(x, x_len) && outside(y, y_len) && outside(losses, steps + 1) && (bc == 0 || outside(bc, 2 * steps))
        // The written losses overlap nothing that is read.
        && apart(losses, steps + 1, x, x_len) && apart(losses, steps + 1, y, y_len) && (bc == 0 || apart(losses, steps + 1, bc, 2 * steps));
    let result = with_plan(words, arena, arena_len, |plan, arena_slice| {
        if !ok {
            return Err(program::Fault::BadInput);
        }
        // SAFETY: live tensors of the caller, for the call, each checked to lie outside the
        // arena; `losses` is written only, and the TS side passes a block of its own for it.
        let (xs, ys) = unsafe { (s(x, x_len), s(y, y_len)) };
        let bcs = if bc == 0 { None } else { Some(unsafe { s(bc, 2 * steps) }) };
        let out = unsafe { sm(losses, steps + 1) };
        let (l, done) = out.split_at_mut(steps);
        let (n, fault) = plan.run_steps(words, arena_slice, xs, ys, first, loss_at, bcs, l);
        done[0] = n as f32;
        fault.map_or(Ok(()), Err)
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
