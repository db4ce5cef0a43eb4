//! The interpreter of traced training steps (TS `compileStep`, ts/compile/): one program — a list
//! of kernel calls with their offsets, sizes and attributes, recorded from one eager step — runs
//! over one arena in a single call, so a tiny network pays no JS and no wasm-call cost per op.
//!
//! Every op calls the same kernel the eager op calls, with the same arguments, on sub-slices of
//! the arena: results are the eager step's bits. The whole program is validated (header, opcodes,
//! every range inside the arena, no output overlapping another range of the same op) before the
//! first op runs, so a bad program is an error and never a half-applied step.
//!
//! Layout (u32 words): a header of `HEADER` words, then ops, each `[opcode, args…]` with a fixed
//! number of args per opcode. Offsets and lengths are in floats from the arena's start; f32
//! attributes are their bits, f64 attributes two words (low, high). The optimizer's learning
//! rate and Adam's bias corrections change between steps, so their ops read them from the header
//! (written by the caller before each run) rather than from their own words.
use super::dense::{dense_backward_via, dense_forward_via, Act};
use super::matmul::VIA_PATHS;
use super::elementwise::{add, axpy, count_nonfinite, mul, scale_inplace, sub};
use super::losses::{mse, mse_backward, softmax_cross_entropy, softmax_cross_entropy_backward};
use super::optim::{adagrad, adam, rmsprop, sgd};
use super::activations::{relu, relu_backward, sigmoid, sigmoid_backward, tanh, tanh_backward};

/// Several steps per call (`Plan::run_steps`), cycling over in-memory batches.
mod steps;
/// One op for a small dense chain's whole SGD step (`op::DENSE_CHAIN_SGD`).
mod chain;

pub const MAGIC: u32 = 0x4B4E_5047; // "KNPG"
pub const VERSION: u32 = 3;
/// Header words: magic, version, op count, arena floats, lr, bc1, bc2, reserved, then the input
/// slots: x offset, x length, y offset, y length (offset `NONE`: no slot).
pub const HEADER: usize = 12;
pub const H_LR: usize = 4;
pub const H_BC1: usize = 5;
pub const H_BC2: usize = 6;
/// The input slots (x, y): where the step's inputs were in the traced arena. A caller may hand
/// the inputs from elsewhere (`Plan::run`'s `inputs`): ops then read them there, not a copy.
pub const H_SLOTS: usize = 8;
/// "No destination" for the optional loss store of `mse` / `softmax_cross_entropy`.
pub const NONE: u32 = u32::MAX;
/// The loss ops' `check` word: which of their two inputs they first scan for NaN/Inf (bit 0 the
/// prediction, bit 1 the target). The eager loss checks both with `count_nonfinite` before it
/// computes; folded into the loss op, those checks cost no dispatch of their own.
pub const CHECK_BOTH: u32 = 3;

/// Opcodes. The TS encoder (ts/compile/opcodes.ts) spells the same names next to the same numbers.
pub mod op {
    pub const COPY: u32 = 0;
    pub const DENSE_FORWARD: u32 = 1;
    pub const DENSE_BACKWARD: u32 = 2;
    pub const RELU: u32 = 3;
    pub const RELU_BACKWARD: u32 = 4;
    pub const SIGMOID: u32 = 5;
    pub const SIGMOID_BACKWARD: u32 = 6;
    pub const TANH: u32 = 7;
    pub const TANH_BACKWARD: u32 = 8;
    pub const MSE: u32 = 9;
    pub const MSE_BACKWARD: u32 = 10;
    pub const SOFTMAX_CROSS_ENTROPY: u32 = 11;
    pub const SOFTMAX_CROSS_ENTROPY_BACKWARD: u32 = 12;
    pub const SGD: u32 = 13;
    pub const ADAM: u32 = 14;
    pub const RMSPROP: u32 = 15;
    pub const ADAGRAD: u32 = 16;
    pub const AXPY: u32 = 17;
    pub const SCALE_INPLACE: u32 = 18;
    pub const ADD: u32 = 19;
    pub const SUB: u32 = 20;
    pub const MUL: u32 = 21;
    pub const COUNT_NONFINITE: u32 = 22;
    pub const DENSE_CHAIN_SGD: u32 = 23;
}

/// Args per opcode (without the opcode word).
fn arity(code: u32) -> Option<usize> {
    Some(match code {
        op::COPY => 3,                               // dst, src, n
        op::DENSE_FORWARD => 9,                      // x, w, b, has_bias, out, m, k, n, act | via << 8
        op::DENSE_BACKWARD => 16,                    // x, w, y, gy, gz, gx, gw, gb, m, k, n, act | via << 8, want_gx, want_gw, want_gb, accumulate
        op::RELU | op::SIGMOID | op::TANH => 3,      // x, out, n
        op::RELU_BACKWARD | op::SIGMOID_BACKWARD | op::TANH_BACKWARD => 4, // x|y, g, out, n
        op::MSE => 7,                                // pred, target, n, check, dst, scale(f64 lo, hi)
        op::MSE_BACKWARD => 5,                       // pred, target, grad, n, scale
        op::SOFTMAX_CROSS_ENTROPY => 9,              // logits, target, probs, rows, cols, check, dst, scale(f64 lo, hi)
        op::SOFTMAX_CROSS_ENTROPY_BACKWARD => 5,     // probs, target, grad, n, scale
        op::SGD => 7,                                // param, grad, velocity, n, momentum, weight_decay, nesterov
        op::ADAM => 10,                              // param, grad, m, v, n, beta1, beta2, eps, weight_decay, decoupled
        op::RMSPROP => 7,                            // param, grad, v, n, alpha, eps, weight_decay
        op::ADAGRAD => 6,                            // param, grad, state, n, eps, weight_decay
        op::AXPY => 4,                               // alpha, x, y, n
        op::SCALE_INPLACE => 4,                      // x, alpha, beta, n
        op::ADD | op::SUB | op::MUL => 4,            // a, b, out, n
        op::COUNT_NONFINITE => 3,                    // a, n, tag
        op::DENSE_CHAIN_SGD => chain::ARITY,
        _ => return None,
    })
}

/// Why a program was refused or stopped. `at` is the op's index (0-based) in the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    BadHeader,
    ArenaSize,
    UnknownOp { at: usize },
    Truncated { at: usize },
    OutOfArena { at: usize },
    Overlap { at: usize },
    BadAttribute { at: usize },
    TrailingWords,
    /// An input handed to the run overlaps the arena, or has not the slot's length.
    BadInput,
    /// A `count_nonfinite` check found NaN/Inf; `tag` is the caller's label of what was checked.
    NonFinite { at: usize, tag: u32 },
}
impl Fault {
    /// One u32 for the wasm boundary: kind in the low 4 bits, op index above (tag for NonFinite
    /// is returned separately by the caller, who labelled the check).
    pub fn code(self) -> u32 {
        let (kind, at) = match self {
            Fault::BadHeader => (1, 0),
            Fault::ArenaSize => (2, 0),
            Fault::UnknownOp { at } => (3, at),
            Fault::Truncated { at } => (4, at),
            Fault::OutOfArena { at } => (5, at),
            Fault::Overlap { at } => (6, at),
            Fault::BadAttribute { at } => (7, at),
            Fault::TrailingWords => (8, 0),
            Fault::NonFinite { at, .. } => (9, at),
            Fault::BadInput => (10, 0),
        };
        kind | ((at as u32) << 4)
    }
}

type R = (usize, usize); // (start, len) in floats
const EMPTY: R = (0, 0);

/// One op's ranges: what it writes (`outs`) and what it only reads (`ins`), unused ones empty.
struct Io {
    outs: [R; 4],
    ins: [R; 4],
}

fn f32_of(w: u32) -> f32 {
    f32::from_bits(w)
}
fn f64_of(lo: u32, hi: u32) -> f64 {
    f64::from_bits((hi as u64) << 32 | lo as u64)
}

/// A dense op's activation word: the activation in its low byte, above it the gemm path of the
/// layer's x·W (forward) or xᵀ·gz (backward) product (`gemm_via`; 0: gemm's own choice), picked
/// by timing at compile time (ts/compile/tune.ts). Every path gives the same bits.
fn act_via(w: u32) -> Option<(Act, u32)> {
    Some((Act::from_code(w & 0xff)?, Some(w >> 8).filter(|&v| v < VIA_PATHS)?))
}

/// The ranges of op `code` with args `a`, lengths computed without overflow.
fn io_of(code: u32, a: &[u32], at: usize) -> Result<Io, Fault> {
    let u = |i: usize| a[i] as usize;
    let mul = |x: usize, y: usize| x.checked_mul(y).ok_or(Fault::OutOfArena { at });
    let flag = |i: usize| -> Result<bool, Fault> {
        match a[i] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Fault::BadAttribute { at }),
        }
    };
    let checks = |w: u32| if w <= CHECK_BOTH { Ok(()) } else { Err(Fault::BadAttribute { at }) };
    let mut io = Io { outs: [EMPTY; 4], ins: [EMPTY; 4] };
    match code {
        op::COPY => {
            io.outs[0] = (u(0), u(2));
            io.ins[0] = (u(1), u(2));
        }
        op::DENSE_FORWARD => {
            let (m, k, n) = (u(5), u(6), u(7));
            if act_via(a[8]).is_none() {
                return Err(Fault::BadAttribute { at });
            }
            io.ins[0] = (u(0), mul(m, k)?);
            io.ins[1] = (u(1), mul(k, n)?);
            io.ins[2] = (u(2), if flag(3)? { n } else { 0 });
            io.outs[0] = (u(4), mul(m, n)?);
        }
        op::DENSE_BACKWARD => {
            let (m, k, n) = (u(8), u(9), u(10));
            if act_via(a[11]).is_none() {
                return Err(Fault::BadAttribute { at });
            }
            flag(15)?;
            let mn = mul(m, n)?;
            io.ins = [(u(0), mul(m, k)?), (u(1), mul(k, n)?), (u(2), mn), (u(3), mn)];
            io.outs = [
                (u(4), mn),
                (u(5), if flag(12)? { mul(m, k)? } else { 0 }),
                (u(6), if flag(13)? { mul(k, n)? } else { 0 }),
                (u(7), if flag(14)? { n } else { 0 }),
            ];
        }
        op::RELU | op::SIGMOID | op::TANH => {
            io.ins[0] = (u(0), u(2));
            io.outs[0] = (u(1), u(2));
        }
        op::RELU_BACKWARD | op::SIGMOID_BACKWARD | op::TANH_BACKWARD | op::ADD | op::SUB | op::MUL => {
            io.ins[0] = (u(0), u(3));
            io.ins[1] = (u(1), u(3));
            io.outs[0] = (u(2), u(3));
        }
        op::MSE => {
            checks(a[3])?;
            io.ins[0] = (u(0), u(2));
            io.ins[1] = (u(1), u(2));
            if a[4] != NONE {
                io.outs[0] = (u(4), 1);
            }
        }
        op::MSE_BACKWARD | op::SOFTMAX_CROSS_ENTROPY_BACKWARD => {
            io.ins[0] = (u(0), u(3));
            io.ins[1] = (u(1), u(3));
            io.outs[0] = (u(2), u(3));
        }
        op::SOFTMAX_CROSS_ENTROPY => {
            let n = mul(u(3), u(4))?;
            io.ins[0] = (u(0), n);
            io.ins[1] = (u(1), n);
            io.outs[0] = (u(2), n);
            checks(a[5])?;
            if a[6] != NONE {
                io.outs[1] = (u(6), 1);
            }
        }
        op::SGD => {
            let n = u(3);
            flag(6)?;
            io.outs[0] = (u(0), n);
            io.ins[0] = (u(1), n);
            // As the export: velocity only exists with momentum.
            io.outs[1] = (u(2), if f32_of(a[4]) != 0.0 { n } else { 0 });
        }
        op::ADAM => {
            let n = u(4);
            flag(9)?;
            io.outs[0] = (u(0), n);
            io.ins[0] = (u(1), n);
            io.outs[1] = (u(2), n);
            io.outs[2] = (u(3), n);
        }
        op::RMSPROP | op::ADAGRAD => {
            let n = u(3);
            io.outs[0] = (u(0), n);
            io.ins[0] = (u(1), n);
            io.outs[1] = (u(2), n);
        }
        op::AXPY => {
            io.ins[0] = (u(1), u(3));
            io.outs[0] = (u(2), u(3));
        }
        op::SCALE_INPLACE => io.outs[0] = (u(0), u(3)),
        op::COUNT_NONFINITE => io.ins[0] = (u(0), u(1)),
        op::DENSE_CHAIN_SGD => return chain::io(a, at),
        _ => return Err(Fault::UnknownOp { at }),
    }
    Ok(io)
}

fn overlaps(a: R, b: R) -> bool {
    a.1 > 0 && b.1 > 0 && a.0 < b.0 + b.1 && b.0 < a.0 + a.1
}

/// Every range inside the arena; every output disjoint from every other range of the op.
fn check_io(io: &Io, arena_len: usize, at: usize) -> Result<(), Fault> {
    for r in io.outs.iter().chain(io.ins.iter()) {
        let end = r.0.checked_add(r.1).ok_or(Fault::OutOfArena { at })?;
        if r.1 > 0 && end > arena_len {
            return Err(Fault::OutOfArena { at });
        }
    }
    for (i, o) in io.outs.iter().enumerate() {
        if io.outs[i + 1..].iter().chain(io.ins.iter()).any(|r| overlaps(*o, *r)) {
            return Err(Fault::Overlap { at });
        }
    }
    Ok(())
}

/// Cuts the arena into the op's disjoint mutable outputs and shared inputs (already checked by
/// `check_io`; a violation here would be a bug, reported as Overlap rather than a panic).
/// `order` lists the outputs by start, as `Plan::new` sorted them once for every run.
fn carve<'a>(arena: &'a mut [f32], io: &Io, order: &[u8; 4], at: usize) -> Result<([&'a mut [f32]; 4], [&'a [f32]; 4]), Fault> {
    if io.outs[1..].iter().all(|r| r.1 == 0) {
        return carve_one(arena, io, at);
    }
    let mut outs: [&'a mut [f32]; 4] = Default::default();
    // The pieces between outputs, with the arena position each starts at.
    let mut gaps: [(&'a [f32], usize); 5] = [(&[], 0); 5];
    let mut rest: &'a mut [f32] = arena;
    let mut pos = 0usize;
    let mut g = 0usize;
    for &i in order {
        let i = i as usize;
        let (start, len) = io.outs[i];
        if len == 0 {
            continue;
        }
        if start < pos || start - pos > rest.len() || len > rest.len() - (start - pos) {
            return Err(Fault::Overlap { at });
        }
        let (gap, tail) = core::mem::take(&mut rest).split_at_mut(start - pos);
        let (out, tail) = tail.split_at_mut(len);
        gaps[g] = (gap, pos);
        g += 1;
        outs[i] = out;
        rest = tail;
        pos = start + len;
    }
    gaps[g] = (rest, pos);
    let mut ins: [&'a [f32]; 4] = [&[]; 4];
    for (slot, &(start, len)) in ins.iter_mut().zip(io.ins.iter()) {
        if len == 0 {
            continue;
        }
        let piece = gaps[..=g].iter().find(|(s, base)| start >= *base && start + len <= base + s.len()).ok_or(Fault::Overlap { at })?;
        *slot = &piece.0[start - piece.1..start - piece.1 + len];
    }
    Ok((outs, ins))
}

/// `carve` for the common op with at most one output (`outs[0]`): one split, each input on
/// either side of it, without the general case's sorting and search.
fn carve_one<'a>(arena: &'a mut [f32], io: &Io, at: usize) -> Result<([&'a mut [f32]; 4], [&'a [f32]; 4]), Fault> {
    let (start, len) = if io.outs[0].1 > 0 { io.outs[0] } else { (arena.len(), 0) };
    if start > arena.len() || len > arena.len() - start {
        return Err(Fault::OutOfArena { at });
    }
    let (before, rest) = arena.split_at_mut(start);
    let (out, after) = rest.split_at_mut(len);
    let (before, after): (&'a [f32], &'a [f32]) = (before, after);
    let mut ins: [&'a [f32]; 4] = [&[]; 4];
    for (slot, &(s, l)) in ins.iter_mut().zip(io.ins.iter()) {
        if l == 0 {
            continue;
        }
        *slot = if s + l <= start {
            &before[s..s + l]
        } else if s >= start + len {
            after.get(s - start - len..s - start - len + l).ok_or(Fault::OutOfArena { at })?
        } else {
            return Err(Fault::Overlap { at });
        };
    }
    Ok(([out, &mut [], &mut [], &mut []], ins))
}

/// Walks the ops: (index, opcode, args). Stops with Truncated/UnknownOp on a malformed program.
fn ops(prog: &[u32]) -> impl Iterator<Item = Result<(usize, u32, &[u32]), Fault>> {
    let count = prog.get(2).copied().unwrap_or(0) as usize;
    let mut pos = HEADER;
    (0..count).map(move |at| {
        let code = *prog.get(pos).ok_or(Fault::Truncated { at })?;
        let n = arity(code).ok_or(Fault::UnknownOp { at })?;
        let args = prog.get(pos + 1..pos + 1 + n).ok_or(Fault::Truncated { at })?;
        pos += 1 + n;
        Ok((at, code, args))
    })
}

/// Checks the whole program against an arena of `arena_len` floats without running it.
pub fn validate(prog: &[u32], arena_len: usize) -> Result<(), Fault> {
    if prog.len() < HEADER || prog[0] != MAGIC || prog[1] != VERSION {
        return Err(Fault::BadHeader);
    }
    if prog[3] as usize != arena_len {
        return Err(Fault::ArenaSize);
    }
    if slots(prog).iter().any(|&(o, l)| o.checked_add(l).is_none_or(|e| e > arena_len)) {
        return Err(Fault::BadHeader);
    }
    let mut end = HEADER;
    for item in ops(prog) {
        let (at, code, args) = item?;
        check_io(&io_of(code, args, at)?, arena_len, at)?;
        end += 1 + args.len();
    }
    if end != prog.len() {
        return Err(Fault::TrailingWords);
    }
    Ok(())
}

/// Whether `prog` is the program `seen` but for its per-step scalars (lr, bc1, bc2), the only
/// words `validate` does not depend on: a caller that validated `seen` for an arena may then
/// skip validating `prog` for the same arena. (A compare rather than a hash: an OR of XORs
/// that vectorises, ~4× cheaper than hashing the words one by one, and exact.)
pub fn same_program(prog: &[u32], seen: &[u32]) -> bool {
    let eq = |a: &[u32], b: &[u32]| a.iter().zip(b).fold(0u32, |d, (x, y)| d | (x ^ y)) == 0;
    prog.len() == seen.len() && prog.len() >= HEADER && eq(&prog[..H_LR], &seen[..H_LR]) && eq(&prog[H_BC2 + 1..], &seen[H_BC2 + 1..])
}

/// Validates, then runs every op in order on the arena.
pub fn run(prog: &[u32], arena: &mut [f32]) -> Result<(), Fault> {
    Plan::new(prog, arena.len())?.run(prog, arena, [None, None])
}

/// One op of a validated program as the interpreter needs it each step: decoding the words,
/// computing the ranges and sorting the outputs happen once, not per step — at a tiny net's
/// dozen ops of a few floats each that bookkeeping was half of the step.
struct Step {
    code: u32,
    /// Where the op's argument words start in `Plan::words`.
    args: usize,
    io: Io,
    order: [u8; 4],
    /// Per input: 0 in the arena, 1 + s inside input slot s (then read from a handed input).
    bound: [u8; 4],
}

/// The header's input slots as (offset, length); an absent slot is empty.
fn slots(prog: &[u32]) -> [R; 2] {
    [0, 1].map(|s| match (prog[H_SLOTS + 2 * s], prog[H_SLOTS + 2 * s + 1]) {
        (NONE, _) => EMPTY,
        (o, l) => (o as usize, l as usize),
    })
}

/// A program that `validate` accepted for an arena of `arena_len` floats, decoded. It keeps its
/// own copy of the words, so a later call can check that the program it is given is this one
/// (`is`) and that nothing but the per-step scalars changed.
pub struct Plan {
    words: Vec<u32>,
    steps: Vec<Step>,
    slots: [R; 2],
    /// Whether ops may read slot s from a handed input: no op writes into the slot and every
    /// read of it lies inside it. Otherwise a handed input is copied into the slot first.
    bindable: [bool; 2],
}

impl Plan {
    pub fn new(prog: &[u32], arena_len: usize) -> Result<Plan, Fault> {
        validate(prog, arena_len)?;
        let mut steps = Vec::new();
        let mut pos = HEADER;
        for item in ops(prog) {
            let (at, code, args) = item?;
            let io = io_of(code, args, at)?;
            let mut order = [0u8, 1, 2, 3];
            order.sort_unstable_by_key(|&i| io.outs[i as usize].0);
            steps.push(Step { code, args: pos + 1, io, order, bound: [0; 4] });
            pos += 1 + args.len();
        }
        let slots = slots(prog);
        let inside = |r: R, s: R| r.0 >= s.0 && r.0 + r.1 <= s.0 + s.1;
        let bindable = slots.map(|sl| {
            sl.1 > 0 && steps.iter().all(|st| !st.io.outs.iter().any(|o| overlaps(*o, sl)) && st.io.ins.iter().all(|r| !overlaps(*r, sl) || inside(*r, sl)))
        });
        for st in &mut steps {
            for (b, r) in st.bound.iter_mut().zip(st.io.ins) {
                if let Some(s) = (0..2).find(|&s| bindable[s] && overlaps(r, slots[s])) {
                    *b = 1 + s as u8;
                }
            }
        }
        Ok(Plan { words: prog.to_vec(), steps, slots, bindable })
    }

    /// The length of input slot s (0 without one): what a handed input must hold.
    pub fn slot_len(&self, s: usize) -> usize {
        self.slots[s].1
    }

    /// Whether `prog` is this plan's program but for its per-step scalars.
    pub fn is(&self, prog: &[u32]) -> bool {
        same_program(prog, &self.words)
    }

    /// Runs the ops in order; the per-step scalars are read from `prog`'s header (a check that
    /// fails anyway is reported as a fault, never undefined behaviour: slicing stays bounds-checked).
    /// `inputs`: the step's x and y when they are not in their slots already (the batch stays
    /// where the caller has it: for a 784×100 batch the copy was ~3% of the MLP step).
    pub fn run(&self, prog: &[u32], arena: &mut [f32], inputs: [Option<&[f32]>; 2]) -> Result<(), Fault> {
        self.run_with(arena, inputs, [f32_of(prog[H_LR]), f32_of(prog[H_BC1]), f32_of(prog[H_BC2])])
    }

    /// `run` with the per-step scalars (lr, bc1, bc2) given rather than read from a header.
    fn run_with(&self, arena: &mut [f32], inputs: [Option<&[f32]>; 2], [lr, bc1, bc2]: [f32; 3]) -> Result<(), Fault> {
        for (s, input) in inputs.iter().enumerate() {
            match input {
                Some(v) if v.len() != self.slots[s].1 => return Err(Fault::BadInput),
                Some(v) if !self.bindable[s] => arena[self.slots[s].0..][..v.len()].copy_from_slice(v),
                _ => {}
            }
        }
        let handed = |b: u8| b > 0 && inputs[b as usize - 1].is_some();
        for (at, s) in self.steps.iter().enumerate() {
            let a = &self.words[s.args..];
            let f = |i: usize| f32_of(a[i]);
            let b = |i: usize| a[i] == 1;
            let u = |i: usize| a[i] as usize;
            let ([o0, o1, o2, o3], [i0, i1, i2, i3]) = if s.bound.iter().any(|&b| handed(b)) {
                // The handed inputs' reads come from them; the rest is carved as usual.
                let mut io = Io { outs: s.io.outs, ins: s.io.ins };
                for (r, &b) in io.ins.iter_mut().zip(&s.bound) {
                    if handed(b) {
                        *r = EMPTY;
                    }
                }
                let (outs, mut ins) = carve(arena, &io, &s.order, at)?;
                for ((slot, &b), r) in ins.iter_mut().zip(&s.bound).zip(s.io.ins) {
                    if let (true, Some(v)) = (handed(b), inputs.get((b as usize).wrapping_sub(1)).copied().flatten()) {
                        let rel = r.0 - self.slots[b as usize - 1].0;
                        *slot = v.get(rel..rel + r.1).ok_or(Fault::BadInput)?;
                    }
                }
                (outs, ins)
            } else {
                carve(arena, &s.io, &s.order, at)?
            };
            match s.code {
                op::COPY => o0.copy_from_slice(i0),
                op::DENSE_FORWARD => {
                    let (act, via) = act_via(a[8]).ok_or(Fault::BadAttribute { at })?;
                    dense_forward_via(via, i0, i1, i2, o0, u(5), u(6), u(7), act)
                }
                op::DENSE_BACKWARD => {
                    let (act, via) = act_via(a[11]).ok_or(Fault::BadAttribute { at })?;
                    dense_backward_via(via, i0, i1, i2, i3, o0, o1, o2, o3, u(8), u(9), u(10), act, b(15))
                }
                op::RELU => relu(i0, o0),
                op::SIGMOID => sigmoid(i0, o0),
                op::TANH => tanh(i0, o0),
                op::RELU_BACKWARD => relu_backward(i0, i1, o0),
                op::SIGMOID_BACKWARD => sigmoid_backward(i0, i1, o0),
                op::TANH_BACKWARD => tanh_backward(i0, i1, o0),
                op::ADD => add(i0, i1, o0),
                op::SUB => sub(i0, i1, o0),
                op::MUL => mul(i0, i1, o0),
                op::MSE => {
                    check_finite(a[3], i0, i1, at)?;
                    let total = mse(i0, i1);
                    // As the TS op: the f64 total times the f64 reduction scale, stored as f32.
                    if a[4] != NONE {
                        o0[0] = (total * f64_of(a[5], a[6])) as f32;
                    }
                }
                op::MSE_BACKWARD => mse_backward(i0, i1, o0, f(4)),
                op::SOFTMAX_CROSS_ENTROPY => {
                    check_finite(a[5], i0, i1, at)?;
                    let total = softmax_cross_entropy(i0, i1, o0, u(3), u(4));
                    if a[6] != NONE {
                        o1[0] = (total * f64_of(a[7], a[8])) as f32;
                    }
                }
                op::SOFTMAX_CROSS_ENTROPY_BACKWARD => softmax_cross_entropy_backward(i0, i1, o0, f(4)),
                op::SGD => sgd(o0, i0, o1, lr, f(4), f(5), b(6)),
                op::ADAM => adam(o0, i0, o1, o2, lr, f(5), f(6), f(7), f(8), b(9), bc1, bc2),
                op::RMSPROP => rmsprop(o0, i0, o1, lr, f(4), f(5), f(6)),
                op::ADAGRAD => adagrad(o0, i0, o1, lr, f(4), f(5)),
                op::AXPY => axpy(f(0), i0, o0),
                op::SCALE_INPLACE => scale_inplace(o0, f(1), f(2)),
                op::COUNT_NONFINITE => {
                    if count_nonfinite(i0) > 0 {
                        return Err(Fault::NonFinite { at, tag: a[2] });
                    }
                }
                op::DENSE_CHAIN_SGD => chain::run(a, o0, i0, i1, lr, at)?,
                _ => return Err(Fault::UnknownOp { at }),
            }
        }
        Ok(())
    }
}

/// A loss op's folded input checks (`CHECK_BOTH` bits): the eager loss's two `count_nonfinite`
/// calls, with the fault they would have raised (tag 0: the eager step names the input).
fn check_finite(check: u32, pred: &[f32], target: &[f32], at: usize) -> Result<(), Fault> {
    if (check & 1 != 0 && count_nonfinite(pred) > 0) || (check & 2 != 0 && count_nonfinite(target) > 0) {
        return Err(Fault::NonFinite { at, tag: 0 });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::dense::{dense_backward, dense_forward};
    use crate::kernels::testutil::{rand_vec, Lcg};

    /// Builds a program op by op, placing buffers in an arena as it goes.
    struct Builder {
        words: Vec<u32>,
        ops: u32,
        len: usize,
    }
    impl Builder {
        fn new() -> Self {
            Builder { words: vec![MAGIC, VERSION, 0, 0, 0, 0, 0, 0, NONE, 0, NONE, 0], ops: 0, len: 0 }
        }
        fn buf(&mut self, n: usize) -> u32 {
            let at = self.len;
            self.len += n;
            at as u32
        }
        fn op(&mut self, code: u32, args: &[u32]) {
            self.words.push(code);
            self.words.extend_from_slice(args);
            self.ops += 1;
        }
        fn finish(mut self, lr: f32, bc1: f32, bc2: f32) -> (Vec<u32>, usize) {
            self.words[2] = self.ops;
            self.words[3] = self.len as u32;
            self.words[H_LR] = lr.to_bits();
            self.words[H_BC1] = bc1.to_bits();
            self.words[H_BC2] = bc2.to_bits();
            (self.words, self.len)
        }
    }
    fn f64w(x: f64) -> [u32; 2] {
        let b = x.to_bits();
        [b as u32, (b >> 32) as u32]
    }
    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// A 2-3-1 sigmoid net with MSE and Adam, as a program and as direct kernel calls on separate
    /// vectors: the parameters must agree bit for bit after several steps.
    #[test]
    fn program_matches_direct_kernel_calls() {
        let (m, k, h, n) = (4usize, 2usize, 3usize, 1usize);
        let mut rng = Lcg(7);
        let x0 = rand_vec(&mut rng, m * k);
        let t0 = rand_vec(&mut rng, m * n);
        let w1_0 = rand_vec(&mut rng, k * h);
        let b1_0 = rand_vec(&mut rng, h);
        let w2_0 = rand_vec(&mut rng, h * n);
        let sig = Act::code("sigmoid").unwrap();

        let mut pb = Builder::new();
        let [x, t, w1, b1, w2, hid, out, loss, gout, gz2, ghid, gw2, gb2, gz1, gw1, gb1] =
            [m * k, m * n, k * h, h, h * n, m * h, m * n, 1, m * n, m * n, m * h, h * n, n, m * h, k * h, h].map(|s| pb.buf(s));
        let (mw1, vw1, mw2, vw2, mb1, vb1) = (pb.buf(k * h), pb.buf(k * h), pb.buf(h * n), pb.buf(h * n), pb.buf(h), pb.buf(h));
        let [mu, ku, hu, nu] = [m, k, h, n].map(|v| v as u32);
        pb.op(op::DENSE_FORWARD, &[x, w1, b1, 1, hid, mu, ku, hu, sig]);
        pb.op(op::DENSE_FORWARD, &[hid, w2, 0, 0, out, mu, hu, nu, sig]);
        pb.op(op::COUNT_NONFINITE, &[out, mu * nu, 3]);
        let [lo, hi] = f64w(1.0 / (m * n) as f64);
        pb.op(op::MSE, &[out, t, mu * nu, CHECK_BOTH, loss, lo, hi]);
        pb.op(op::MSE_BACKWARD, &[out, t, gout, mu * nu, 0.5f32.to_bits()]);
        pb.op(op::DENSE_BACKWARD, &[hid, w2, out, gout, gz2, ghid, gw2, 0, mu, hu, nu, sig, 1, 1, 0, 0]);
        pb.op(op::DENSE_BACKWARD, &[x, w1, hid, ghid, gz1, 0, gw1, gb1, mu, ku, hu, sig, 0, 1, 1, 0]);
        let (b1f, b2f, eps) = (0.9f32, 0.999f32, 1e-8f32);
        for (p, g, mm, vv, len) in [(w1, gw1, mw1, vw1, k * h), (b1, gb1, mb1, vb1, h), (w2, gw2, mw2, vw2, h * n)] {
            pb.op(op::ADAM, &[p, g, mm, vv, len as u32, b1f.to_bits(), b2f.to_bits(), eps.to_bits(), 0, 0]);
        }
        let _ = gb2;
        let (mut prog, len) = pb.finish(0.1, 0.0, 0.0);
        let mut arena = vec![0f32; len];
        arena[x as usize..][..m * k].copy_from_slice(&x0);
        arena[t as usize..][..m * n].copy_from_slice(&t0);
        arena[w1 as usize..][..k * h].copy_from_slice(&w1_0);
        arena[b1 as usize..][..h].copy_from_slice(&b1_0);
        arena[w2 as usize..][..h * n].copy_from_slice(&w2_0);

        // The same step, kernel by kernel on separate vectors.
        let (mut dw1, mut db1, mut dw2) = (w1_0.clone(), b1_0.clone(), w2_0.clone());
        let mut state = vec![vec![0f32; k * h], vec![0f32; k * h], vec![0f32; h], vec![0f32; h], vec![0f32; h * n], vec![0f32; h * n]];
        let mut last_loss = 0f32;
        for step in 1..=5 {
            let (bc1, bc2) = (1.0 - 0.9f32.powi(step), 1.0 - 0.999f32.powi(step));
            prog[H_BC1] = bc1.to_bits();
            prog[H_BC2] = bc2.to_bits();
            run(&prog, &mut arena).unwrap();

            let mut dhid = vec![0f32; m * h];
            let mut dout = vec![0f32; m * n];
            dense_forward(&x0, &dw1, &db1, &mut dhid, m, k, h, Act::Sigmoid);
            dense_forward(&dhid, &dw2, &[], &mut dout, m, h, n, Act::Sigmoid);
            last_loss = (mse(&dout, &t0) * (1.0 / (m * n) as f64)) as f32;
            let mut dgout = vec![0f32; m * n];
            mse_backward(&dout, &t0, &mut dgout, 0.5);
            let (mut gz, mut gh, mut g2) = (vec![0f32; m * n], vec![0f32; m * h], vec![0f32; h * n]);
            dense_backward(&dhid, &dw2, &dout, &dgout, &mut gz, &mut gh, &mut g2, &mut [], m, h, n, Act::Sigmoid, false);
            let (mut gz1v, mut g1, mut gb1v) = (vec![0f32; m * h], vec![0f32; k * h], vec![0f32; h]);
            dense_backward(&x0, &dw1, &dhid, &gh, &mut gz1v, &mut [], &mut g1, &mut gb1v, m, k, h, Act::Sigmoid, false);
            let [s0, s1, s2, s3, s4, s5] = &mut state[..] else { unreachable!() };
            adam(&mut dw1, &g1, s0, s1, 0.1, b1f, b2f, eps, 0.0, false, bc1, bc2);
            adam(&mut db1, &gb1v, s2, s3, 0.1, b1f, b2f, eps, 0.0, false, bc1, bc2);
            adam(&mut dw2, &g2, s4, s5, 0.1, b1f, b2f, eps, 0.0, false, bc1, bc2);
        }
        assert_eq!(bits(&arena[w1 as usize..][..k * h]), bits(&dw1));
        assert_eq!(bits(&arena[b1 as usize..][..h]), bits(&db1));
        assert_eq!(bits(&arena[w2 as usize..][..h * n]), bits(&dw2));
        assert_eq!(arena[loss as usize].to_bits(), last_loss.to_bits());
        assert_ne!(bits(&dw1), bits(&w1_0), "the step must have moved the weights");
    }

    #[test]
    fn sgd_momentum_cross_entropy_relu_match() {
        let (m, k, n) = (3usize, 4usize, 5usize);
        let mut rng = Lcg(3);
        let x0 = rand_vec(&mut rng, m * k);
        let mut t0 = vec![0f32; m * n];
        for r in 0..m {
            t0[r * n + r] = 1.0;
        }
        let w0 = rand_vec(&mut rng, k * n);
        let mut pb = Builder::new();
        let [x, t, w, hid, act, probs, loss, gl, gact, ghid, gz, gw, vel] = [m * k, m * n, k * n, m * n, m * n, m * n, 1, m * n, m * n, m * n, m * n, k * n, k * n].map(|s| pb.buf(s));
        let [mu, ku, nu] = [m, k, n].map(|v| v as u32);
        let none = Act::code("none").unwrap();
        let [lo, hi] = f64w(1.0 / m as f64);
        pb.op(op::DENSE_FORWARD, &[x, w, 0, 0, hid, mu, ku, nu, none]);
        pb.op(op::TANH, &[hid, act, mu * nu]);
        pb.op(op::SOFTMAX_CROSS_ENTROPY, &[act, t, probs, mu, nu, CHECK_BOTH, loss, lo, hi]);
        pb.op(op::SOFTMAX_CROSS_ENTROPY_BACKWARD, &[probs, t, gl, mu * nu, (1.0f32 / m as f32).to_bits()]);
        pb.op(op::TANH_BACKWARD, &[act, gl, ghid, mu * nu]);
        let _ = gact;
        pb.op(op::DENSE_BACKWARD, &[x, w, hid, ghid, gz, 0, gw, 0, mu, ku, nu, none, 0, 1, 0, 0]);
        pb.op(op::SGD, &[w, gw, vel, ku * nu, 0.9f32.to_bits(), 0.01f32.to_bits(), 1]);
        let (prog, len) = pb.finish(0.05, 1.0, 1.0);
        let mut arena = vec![0f32; len];
        arena[x as usize..][..m * k].copy_from_slice(&x0);
        arena[t as usize..][..m * n].copy_from_slice(&t0);
        arena[w as usize..][..k * n].copy_from_slice(&w0);
        let (mut dw, mut dv) = (w0.clone(), vec![0f32; k * n]);
        for _ in 0..4 {
            run(&prog, &mut arena).unwrap();
            let (mut h, mut a, mut p, mut g, mut gh, mut z, mut gwv) = (vec![0f32; m * n], vec![0f32; m * n], vec![0f32; m * n], vec![0f32; m * n], vec![0f32; m * n], vec![0f32; m * n], vec![0f32; k * n]);
            dense_forward(&x0, &dw, &[], &mut h, m, k, n, Act::None);
            tanh(&h, &mut a);
            softmax_cross_entropy(&a, &t0, &mut p, m, n);
            softmax_cross_entropy_backward(&p, &t0, &mut g, 1.0 / m as f32);
            tanh_backward(&a, &g, &mut gh);
            dense_backward(&x0, &dw, &h, &gh, &mut z, &mut [], &mut gwv, &mut [], m, k, n, Act::None, false);
            sgd(&mut dw, &gwv, &mut dv, 0.05, 0.9, 0.01, true);
        }
        assert_eq!(bits(&arena[w as usize..][..k * n]), bits(&dw));
        assert_eq!(bits(&arena[vel as usize..][..k * n]), bits(&dv));
    }

    /// A dense layer's products through each gemm path named in its activation word: the bits
    /// of the default path (x·W forward, xᵀ·gz into an accumulated weight gradient backward).
    #[test]
    fn dense_ops_give_the_same_bits_on_every_gemm_path() {
        let (m, k, n) = (9usize, 70usize, 12usize);
        let mut rng = Lcg(21);
        let (x0, w0, g0, gw0) = (rand_vec(&mut rng, m * k), rand_vec(&mut rng, k * n), rand_vec(&mut rng, m * n), rand_vec(&mut rng, k * n));
        let relu = Act::code("relu").unwrap();
        let outs = |via: u32| {
            let mut pb = Builder::new();
            let [x, w, hid, g, gz, gw] = [m * k, k * n, m * n, m * n, m * n, k * n].map(|s| pb.buf(s));
            let [mu, ku, nu] = [m, k, n].map(|v| v as u32);
            pb.op(op::DENSE_FORWARD, &[x, w, 0, 0, hid, mu, ku, nu, relu | via << 8]);
            pb.op(op::DENSE_BACKWARD, &[x, w, hid, g, gz, 0, gw, 0, mu, ku, nu, relu | via << 8, 0, 1, 0, 1]);
            let (prog, len) = pb.finish(0.0, 0.0, 0.0);
            let mut a = vec![0f32; len];
            for (at, v) in [(x, &x0), (w, &w0), (g, &g0), (gw, &gw0)] {
                a[at as usize..][..v.len()].copy_from_slice(v);
            }
            run(&prog, &mut a).unwrap();
            bits(&[&a[hid as usize..][..m * n], &a[gw as usize..][..k * n]].concat())
        };
        let want = outs(0);
        for via in 1..VIA_PATHS {
            assert_eq!(outs(via), want, "via {via}");
        }
    }

    /// Inputs handed to the run are read where they are (the slots' stale contents are not
    /// used), and an input slot that an op writes into gets a copy first: the same results as
    /// the inputs written into their slots.
    #[test]
    fn handed_inputs_give_the_results_of_inputs_in_their_slots() {
        let (m, k, n) = (3usize, 2usize, 2usize);
        let mut rng = Lcg(9);
        let (x0, t0, w0) = (rand_vec(&mut rng, m * k), rand_vec(&mut rng, m * n), rand_vec(&mut rng, k * n));
        for scale_x in [false, true] {
            let mut pb = Builder::new();
            let [x, t, w, hid, loss, g] = [m * k, m * n, k * n, m * n, 1, m * n].map(|s| pb.buf(s));
            let none = Act::code("none").unwrap();
            if scale_x {
                // An op writing into the x slot: not bindable, so the handed x is copied in.
                pb.op(op::SCALE_INPLACE, &[x, 2f32.to_bits(), 0, (m * k) as u32]);
            }
            pb.op(op::DENSE_FORWARD, &[x, w, 0, 0, hid, m as u32, k as u32, n as u32, none]);
            pb.op(op::MSE, &[hid, t, (m * n) as u32, CHECK_BOTH, loss, 0, 0x3ff0_0000]);
            pb.op(op::MSE_BACKWARD, &[hid, t, g, (m * n) as u32, 1f32.to_bits()]);
            let (mut prog, len) = pb.finish(0.0, 0.0, 0.0);
            prog[H_SLOTS..H_SLOTS + 4].copy_from_slice(&[x, (m * k) as u32, t, (m * n) as u32]);
            let fresh = |with_inputs: bool| {
                let mut a = vec![7f32; len];
                a[w as usize..][..k * n].copy_from_slice(&w0);
                if with_inputs {
                    a[x as usize..][..m * k].copy_from_slice(&x0);
                    a[t as usize..][..m * n].copy_from_slice(&t0);
                }
                a
            };
            let mut want = fresh(true);
            run(&prog, &mut want).unwrap();
            let plan = Plan::new(&prog, len).unwrap();
            assert_eq!(plan.bindable, [!scale_x, true]);
            let mut got = fresh(false);
            plan.run(&prog, &mut got, [Some(&x0), Some(&t0)]).unwrap();
            let outs = |a: &[f32]| bits(&[&a[hid as usize..][..m * n], &a[loss as usize..][..1], &a[g as usize..][..m * n]].concat());
            assert_eq!(outs(&got), outs(&want), "scale_x {scale_x}");
            assert_eq!(got[t as usize], 7.0, "a bindable slot is not written");
            assert_eq!(plan.run(&prog, &mut got, [Some(&x0[1..]), None]), Err(Fault::BadInput));
        }
    }

    fn one_op(code: u32, args: &[u32], len: usize) -> Vec<u32> {
        let mut p = vec![MAGIC, VERSION, 1, len as u32, 0, 0, 0, 0, NONE, 0, NONE, 0, code];
        p.extend_from_slice(args);
        p
    }

    #[test]
    fn bad_programs_are_refused_before_anything_runs() {
        let mut arena = vec![1f32; 16];
        // Out of the arena (the second op), after a valid first op that must not have run.
        let mut p = vec![MAGIC, VERSION, 2, 16, 0, 0, 0, 0, NONE, 0, NONE, 0, op::SCALE_INPLACE, 0, 2f32.to_bits(), 0, 4, op::RELU, 0, 14, 4];
        assert_eq!(run(&p, &mut arena), Err(Fault::OutOfArena { at: 1 }));
        assert!(arena.iter().all(|v| *v == 1.0), "nothing may run before validation passed");
        p[19] = 8;
        run(&p, &mut arena).unwrap();
        assert_eq!(arena[0], 2.0);
        // Output overlapping an input.
        assert_eq!(run(&one_op(op::RELU, &[0, 2, 4], 16), &mut arena), Err(Fault::Overlap { at: 0 }));
        // Two outputs overlapping (Adam's m and v).
        assert_eq!(run(&one_op(op::ADAM, &[0, 4, 8, 10, 4, 0, 0, 0, 0, 0], 16), &mut arena), Err(Fault::Overlap { at: 0 }));
        assert_eq!(run(&one_op(99, &[], 16), &mut arena), Err(Fault::UnknownOp { at: 0 }));
        assert_eq!(run(&one_op(op::RELU, &[0, 4], 16), &mut arena), Err(Fault::Truncated { at: 0 }));
        assert_eq!(run(&one_op(op::RELU, &[0, 4, 4], 15), &mut arena), Err(Fault::ArenaSize));
        assert_eq!(run(&one_op(op::DENSE_FORWARD, &[0, 0, 0, 2, 8, 1, 1, 1, 0], 16), &mut arena), Err(Fault::BadAttribute { at: 0 }));
        assert_eq!(run(&one_op(op::DENSE_FORWARD, &[0, 0, 0, 0, 8, 1, 1, 1, 9], 16), &mut arena), Err(Fault::BadAttribute { at: 0 }));
        assert_eq!(run(&one_op(op::DENSE_FORWARD, &[0, 0, 0, 0, 8, 1, 1, 1, VIA_PATHS << 8], 16), &mut arena), Err(Fault::BadAttribute { at: 0 }));
        // Sizes whose product overflows must not wrap to a small range.
        assert_eq!(run(&one_op(op::DENSE_FORWARD, &[0, 0, 0, 0, 8, u32::MAX, u32::MAX, 1, 0], 16), &mut arena).map_err(|f| matches!(f, Fault::OutOfArena { .. })), Err(true));
        let mut bad = one_op(op::RELU, &[0, 4, 4], 16);
        bad[0] = 0;
        assert_eq!(run(&bad, &mut arena), Err(Fault::BadHeader));
        let mut trailing = one_op(op::RELU, &[0, 4, 4], 16);
        trailing.push(0);
        assert_eq!(run(&trailing, &mut arena), Err(Fault::TrailingWords));
        arena[3] = f32::NAN;
        assert_eq!(run(&one_op(op::COUNT_NONFINITE, &[0, 4, 7], 16), &mut arena), Err(Fault::NonFinite { at: 0, tag: 7 }));
        // The loss ops' folded checks: each bit scans its input, before the loss is stored.
        arena[8] = 5.0;
        let mse_at = |check: u32| one_op(op::MSE, &[0, 4, 4, check, 8, 0, 0x3ff0_0000], 16);
        assert_eq!(run(&mse_at(1), &mut arena), Err(Fault::NonFinite { at: 0, tag: 0 }));
        assert_eq!(run(&mse_at(3), &mut arena), Err(Fault::NonFinite { at: 0, tag: 0 }));
        assert_eq!(arena[8], 5.0, "a refused loss stores nothing");
        run(&mse_at(2), &mut arena).unwrap();
        assert!(arena[8].is_nan(), "unchecked, NaN reaches the loss as in a kernel call");
        assert_eq!(run(&mse_at(4), &mut arena), Err(Fault::BadAttribute { at: 0 }));
        arena[3] = 1.0;
        arena[6] = f32::INFINITY;
        let sce = |check: u32| one_op(op::SOFTMAX_CROSS_ENTROPY, &[0, 4, 9, 2, 2, check, 15, 0, 0x3ff0_0000], 16);
        assert_eq!(run(&sce(2), &mut arena), Err(Fault::NonFinite { at: 0, tag: 0 }));
        run(&sce(1), &mut arena).unwrap();
        assert_eq!(Fault::OutOfArena { at: 3 }.code(), 5 | 3 << 4);
        // A validated program is recognised whatever its per-step scalars, and by nothing else.
        let p = one_op(op::RELU, &[0, 4, 4], 16);
        let mut q = p.clone();
        q[H_LR] = 1.5f32.to_bits();
        q[H_BC1] = 3;
        q[H_BC2] = 7;
        assert!(same_program(&q, &p));
        for i in (0..p.len()).filter(|i| ![H_LR, H_BC1, H_BC2].contains(i)) {
            let mut r = q.clone();
            r[i] ^= 1 << (i % 32);
            assert!(!same_program(&r, &p), "a change of word {i} must be seen");
        }
        assert!(!same_program(&p[..p.len() - 1], &p));
        assert!(!same_program(&p[..4], &p[..4]), "shorter than a header is never a program");
    }
}
