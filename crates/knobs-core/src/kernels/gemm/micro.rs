//! The register-blocked microkernel: an MR×(4·NV) tile of C held in SIMD registers for a whole
//! depth block, fed by packed strips (A: MR values per depth step, B: NV quads).
//!
//! Sized for V8 on x86-64, whose scheduler tends to issue a loop body's loads ahead of its
//! arithmetic: loads + accumulators + one temporary must fit in the 15 usable xmm registers.
//! MR = 4, NV = 2 is 6 + 8 + 1; anything larger spilled, and so did unrolling the depth loop.

use super::pack::Quad;
use crate::kernels::lanes::{add, load, madd, splat, store, transpose, zero, V};

/// Quads of packed A per depth step: MR pre-broadcast quads (`PRE`), or MR floats.
pub const fn a_quads<const MR: usize, const PRE: bool>() -> usize {
    if PRE {
        MR
    } else {
        MR / 4
    }
}

#[inline(always)]
fn step<const MR: usize, const NV: usize, const PRE: bool>(acc: &mut [[V; NV]; MR], a: &[Quad], b: &[Quad]) {
    let bv: [V; NV] = core::array::from_fn(|v| load(&b[v].0));
    for r in 0..MR {
        let s = if PRE { load(&a[r].0) } else { splat(a[r / 4].0[r % 4]) };
        for v in 0..NV {
            acc[r][v] = madd(s, bv[v], acc[r][v]);
        }
    }
}

/// The MR×(4·NV) tile at `c[off..]` (row stride `ldc`) (+)= Ap·Bp over `kc` depth steps;
/// with `TRANS` its transpose is written instead (`ldc` is then the stride between the tile's
/// columns, and MR must be 4). `add_c` adds into C instead of overwriting it. Edge tiles go
/// through a scratch tile (see `blocked`): with a stack array in here the kernel ran ~20% slower.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
pub fn tile<const MR: usize, const NV: usize, const PRE: bool, const TRANS: bool>(
    ap: &[Quad], bp: &[Quad], kc: usize, c: &mut [f32], off: usize, ldc: usize, add_c: bool,
) {
    let aq = a_quads::<MR, PRE>();
    let (ap, bp) = (&ap[..kc * aq], &bp[..kc * NV]);
    let mut acc = [[zero(); NV]; MR];
    for (a, b) in ap.chunks_exact(aq).zip(bp.chunks_exact(NV)) {
        step::<MR, NV, PRE>(&mut acc, a, b);
    }
    let mut put = |at: usize, v: V| {
        let x: &mut [f32; 4] = (&mut c[at..at + 4]).try_into().unwrap();
        store(if add_c { add(v, load(x)) } else { v }, x);
    };
    if TRANS {
        for v in 0..NV {
            let cols = transpose(acc[0][v], acc[1][v], acc[2][v], acc[3][v]);
            for (l, col) in cols.into_iter().enumerate() {
                put(off + (4 * v + l) * ldc, col);
            }
        }
    } else {
        for (r, acc_r) in acc.iter().enumerate() {
            for (v, &x) in acc_r.iter().enumerate() {
                put(off + r * ldc + 4 * v, x);
            }
        }
    }
}
