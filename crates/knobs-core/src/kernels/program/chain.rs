//! `dense_chain_sgd`: a whole training step of a small dense chain as ONE program op — forward
//! through up to `MAX_LAYERS` dense layers, MSE, its gradient, every layer's backward and the
//! plain-SGD update of every weight and bias. At the book's 3-4-1 streetlight net each of the
//! ten ops it replaces did a few dozen multiply-adds, and the interpreter's per-op work (decoding
//! the op, cutting the arena into its ranges, handed inputs) cost more than the kernels.
//!
//! It calls the kernels the ten ops call (dense_forward, mse, mse_backward, dense_backward, sgd),
//! with the same arguments, in the same order: its results are those ops' bits in every build.
//! The TS compiler (ts/compile/chain.ts) emits it only for a trace that is exactly that step.
//!
//! Its buffers are one span of the arena, laid out by `Chain::layout` (the TS side mirrors it):
//! the parameters [w0, b0, w1, b1, …], each layer's output, the loss, the loss gradient, then per
//! layer its scratch gz, gw, gb and (after the first) gx. x and y are read from the input slots.
use super::{check_finite, f32_of, f64_of, Fault, Io, CHECK_BOTH, EMPTY};
use crate::kernels::dense::{dense_backward, dense_forward, Act};
use crate::kernels::losses::{mse, mse_backward};
use crate::kernels::optim::sgd;

pub const MAX_LAYERS: usize = 4;
/// Words: m, layers, check, loss scale (f64 lo, hi), loss-gradient scale, weight decay, x slot,
/// y slot, span start, span length, then per layer (of `MAX_LAYERS`; unused ones zero) k, n, act, bias.
pub const ARITY: usize = 11 + 4 * MAX_LAYERS;

#[derive(Clone, Copy)]
struct Layer {
    k: usize,
    n: usize,
    bias: bool,
}

struct Chain {
    m: usize,
    layers: [Layer; MAX_LAYERS],
    count: usize,
}

/// Offsets in the span (floats) of one layer's buffers.
#[derive(Clone, Copy, Default)]
struct At {
    w: usize,
    b: usize,
    out: usize,
    gz: usize,
    gw: usize,
    gb: usize,
    gx: usize,
}

impl Chain {
    fn decode(a: &[u32], at: usize) -> Result<Chain, Fault> {
        let bad = Fault::BadAttribute { at };
        let (m, count) = (a[0] as usize, a[1] as usize);
        if count == 0 || count > MAX_LAYERS || a[2] > CHECK_BOTH {
            return Err(bad);
        }
        let none = Layer { k: 0, n: 0, bias: false };
        let mut layers = [none; MAX_LAYERS];
        for (l, layer) in layers.iter_mut().enumerate().take(count) {
            let w = &a[11 + 4 * l..];
            Act::from_code(w[2]).ok_or(bad)?;
            if w[3] > 1 || w[0] == 0 || w[1] == 0 {
                return Err(bad);
            }
            *layer = Layer { k: w[0] as usize, n: w[1] as usize, bias: w[3] == 1 };
        }
        // Each layer takes the previous one's output.
        if m == 0 || (1..count).any(|l| layers[l].k != layers[l - 1].n) {
            return Err(bad);
        }
        Ok(Chain { m, layers, count })
    }

    fn last(&self) -> Layer {
        self.layers[self.count - 1]
    }

    /// Each layer's offsets in the span, the loss and loss-gradient offsets, and the span's
    /// length; None when a size overflows.
    fn layout(&self) -> Option<([At; MAX_LAYERS], usize, usize, usize)> {
        let mut at = [At::default(); MAX_LAYERS];
        let mut pos = 0usize;
        let mut take = |n: usize| -> Option<usize> {
            let p = pos;
            pos = pos.checked_add(n)?;
            Some(p)
        };
        let ls = &self.layers[..self.count];
        for (a, l) in at.iter_mut().zip(ls) {
            a.w = take(l.k.checked_mul(l.n)?)?;
            a.b = take(if l.bias { l.n } else { 0 })?;
        }
        for (a, l) in at.iter_mut().zip(ls) {
            a.out = take(self.m.checked_mul(l.n)?)?;
        }
        let loss = take(1)?;
        let g = take(self.m.checked_mul(self.last().n)?)?;
        for (i, (a, l)) in at.iter_mut().zip(ls).enumerate() {
            a.gz = take(self.m * l.n)?;
            a.gw = take(l.k * l.n)?;
            a.gb = take(if l.bias { l.n } else { 0 })?;
            a.gx = take(if i > 0 { self.m.checked_mul(l.k)? } else { 0 })?;
        }
        Some((at, loss, g, pos))
    }
}

/// The op's ranges: x and y in their slots (read), the span (written).
pub(super) fn io(a: &[u32], at: usize) -> Result<Io, Fault> {
    let c = Chain::decode(a, at)?;
    let (_, _, _, len) = c.layout().ok_or(Fault::OutOfArena { at })?;
    if a[10] as usize != len {
        return Err(Fault::BadAttribute { at });
    }
    let mul = |x: usize, y: usize| x.checked_mul(y).ok_or(Fault::OutOfArena { at });
    let mut io = Io { outs: [EMPTY; 4], ins: [EMPTY; 4] };
    io.ins[0] = (a[7] as usize, mul(c.m, c.layers[0].k)?);
    io.ins[1] = (a[8] as usize, mul(c.m, c.last().n)?);
    io.outs[0] = (a[9] as usize, len);
    Ok(io)
}

/// The next `n` floats of `rest`, cut off its front.
fn cut<'a>(rest: &mut &'a mut [f32], n: usize, at: usize) -> Result<&'a mut [f32], Fault> {
    if n > rest.len() {
        return Err(Fault::OutOfArena { at });
    }
    let (piece, tail) = core::mem::take(rest).split_at_mut(n);
    *rest = tail;
    Ok(piece)
}

/// One step on the span; `lr` from the header. The same faults as the ops it replaces: the
/// loss's NaN/Inf checks, before any update. (`io` validated the words when the plan was made;
/// the span is cut here in `Chain::layout`'s order, each buffer its own slice.)
pub(super) fn run(a: &[u32], span: &mut [f32], x: &[f32], y: &[f32], lr: f32, at: usize) -> Result<(), Fault> {
    let (m, count) = (a[0] as usize, a[1] as usize);
    if count == 0 || count > MAX_LAYERS {
        return Err(Fault::BadAttribute { at });
    }
    let mut dims = [(0usize, 0usize, Act::None, false); MAX_LAYERS];
    for (l, d) in dims.iter_mut().enumerate().take(count) {
        let w = &a[11 + 4 * l..11 + 4 * l + 4];
        *d = (w[0] as usize, w[1] as usize, Act::from_code(w[2]).ok_or(Fault::BadAttribute { at })?, w[3] == 1);
    }
    let dims = &dims[..count];
    let (scale, gscale, wd) = (f64_of(a[3], a[4]), f32_of(a[5]), f32_of(a[6]));
    let mut rest = span;
    let (mut w, mut b, mut outs): ([&mut [f32]; MAX_LAYERS], [&mut [f32]; MAX_LAYERS], [&mut [f32]; MAX_LAYERS]) = Default::default();
    for (l, &(k, n, _, bias)) in dims.iter().enumerate() {
        w[l] = cut(&mut rest, k * n, at)?;
        b[l] = cut(&mut rest, if bias { n } else { 0 }, at)?;
    }
    for (l, &(_, n, _, _)) in dims.iter().enumerate() {
        outs[l] = cut(&mut rest, m * n, at)?;
    }
    let loss = cut(&mut rest, 1, at)?;
    let g = cut(&mut rest, m * dims[count - 1].1, at)?;
    let (mut gz, mut gw, mut gb, mut gx): ([&mut [f32]; MAX_LAYERS], [&mut [f32]; MAX_LAYERS], [&mut [f32]; MAX_LAYERS], [&mut [f32]; MAX_LAYERS]) = Default::default();
    for (l, &(k, n, _, bias)) in dims.iter().enumerate() {
        gz[l] = cut(&mut rest, m * n, at)?;
        gw[l] = cut(&mut rest, k * n, at)?;
        gb[l] = cut(&mut rest, if bias { n } else { 0 }, at)?;
        gx[l] = cut(&mut rest, if l > 0 { m * k } else { 0 }, at)?;
    }
    if !rest.is_empty() {
        return Err(Fault::OutOfArena { at });
    }

    for (l, &(k, n, act, _)) in dims.iter().enumerate() {
        let (before, from) = outs.split_at_mut(l);
        let input: &[f32] = if l == 0 { x } else { before[l - 1] };
        dense_forward(input, w[l], b[l], from[0], m, k, n, act);
    }
    let pred: &[f32] = outs[count - 1];
    check_finite(a[2], pred, y, at)?;
    // As the MSE op: the f64 total times the f64 reduction scale, stored as f32.
    loss[0] = (mse(pred, y) * scale) as f32;
    mse_backward(pred, y, g, gscale);
    for (l, &(k, n, act, _)) in dims.iter().enumerate().rev() {
        let (gx_l, above) = gx.split_at_mut(l + 1);
        let gy: &[f32] = if l + 1 == count { g } else { above[0] };
        let input: &[f32] = if l == 0 { x } else { outs[l - 1] };
        dense_backward(input, w[l], outs[l], gy, gz[l], gx_l[l], gw[l], gb[l], m, k, n, act, false);
    }
    // Every weight, then its bias, as the optimizer orders them (plain SGD: the order changes no bits).
    for (l, &(_, _, _, bias)) in dims.iter().enumerate() {
        sgd(w[l], gw[l], &mut [], lr, 0.0, wd, false);
        if bias {
            sgd(b[l], gb[l], &mut [], lr, 0.0, wd, false);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{op, Plan, HEADER, MAGIC, NONE, VERSION};
    use super::*;
    use crate::kernels::testutil::{rand_vec, Lcg};

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// A chain of layers (k, n, act, bias) at batch m: the step as the ten-odd unfused ops the
    /// tracer records (each buffer its own range), and as one `dense_chain_sgd` op in its span.
    /// Several steps with handed batches: parameters, prediction and loss bit for bit.
    fn fused_matches_unfused(m: usize, layers: &[(usize, usize, &str, bool)], wd: f32, seed: u64) {
        let count = layers.len();
        let (k0, nl) = (layers[0].0, layers[count - 1].1);
        let acts: Vec<u32> = layers.iter().map(|l| Act::code(l.2).unwrap()).collect();
        let (scale, gscale) = (1.0 / (m * nl) as f64, 2.0 / (m * nl) as f32);
        let sc = scale.to_bits();
        let (lr, sx, sy) = (0.1f32, m * k0, m * nl);

        // Unfused: x, y, then per layer w, b, out, gz, gw, gb, gx; loss, g.
        let mut len = sx + sy;
        let mut buf = |n: usize| {
            let o = len;
            len += n;
            o as u32
        };
        let per: Vec<[u32; 7]> = layers.iter().map(|&(k, n, _, _)| [k * n, n, m * n, m * n, k * n, n, m * k].map(|s| buf(s))).collect();
        let (loss, g) = (buf(1), buf(m * nl));
        let mut words = vec![MAGIC, VERSION, 0, 0, lr.to_bits(), 0, 0, 0, 0, sx as u32, sx as u32, sy as u32];
        let mut ops = 0;
        let mut push = |w: &mut Vec<u32>, o: Vec<u32>| {
            w.extend(o);
            ops += 1;
        };
        for (l, &(k, n, _, bias)) in layers.iter().enumerate() {
            let input = if l == 0 { 0 } else { per[l - 1][2] };
            push(&mut words, vec![op::DENSE_FORWARD, input, per[l][0], per[l][1], bias as u32, per[l][2], m as u32, k as u32, n as u32, acts[l]]);
        }
        let pred = per[count - 1][2];
        push(&mut words, vec![op::MSE, pred, sx as u32, sy as u32, CHECK_BOTH, loss, sc as u32, (sc >> 32) as u32]);
        push(&mut words, vec![op::MSE_BACKWARD, pred, sx as u32, g, sy as u32, gscale.to_bits()]);
        for l in (0..count).rev() {
            let (k, n, _, bias) = layers[l];
            let input = if l == 0 { 0 } else { per[l - 1][2] };
            let gy = if l + 1 == count { g } else { per[l + 1][6] };
            let p = per[l];
            push(&mut words, vec![op::DENSE_BACKWARD, input, p[0], p[2], gy, p[3], if l > 0 { p[6] } else { 0 }, p[4], p[5], m as u32, k as u32, n as u32, acts[l], (l > 0) as u32, 1, bias as u32, 0]);
        }
        for (l, &(k, n, _, bias)) in layers.iter().enumerate() {
            push(&mut words, vec![op::SGD, per[l][0], per[l][4], NONE, (k * n) as u32, 0, wd.to_bits(), 0]);
            if bias {
                push(&mut words, vec![op::SGD, per[l][1], per[l][5], NONE, n as u32, 0, wd.to_bits(), 0]);
            }
        }
        words[2] = ops;
        words[3] = len as u32;

        // Fused: the slots, then the span.
        let mut fused = vec![MAGIC, VERSION, 1, 0, lr.to_bits(), 0, 0, 0, 0, sx as u32, sx as u32, sy as u32, op::DENSE_CHAIN_SGD];
        let mut a = vec![m as u32, count as u32, CHECK_BOTH, sc as u32, (sc >> 32) as u32, gscale.to_bits(), wd.to_bits(), 0, sx as u32, (sx + sy) as u32, 0];
        for l in 0..MAX_LAYERS {
            a.extend(layers.get(l).map_or([0; 4], |&(k, n, _, bias)| [k as u32, n as u32, acts[l], bias as u32]));
        }
        let c = Chain::decode(&a, 0).unwrap();
        let (offs, loss_at, _, span) = c.layout().unwrap();
        a[10] = span as u32;
        fused.extend(&a);
        let flen = sx + sy + span;
        fused[3] = flen as u32;
        assert_eq!(fused.len(), HEADER + 1 + ARITY);

        let mut rng = Lcg(seed);
        let mut un = vec![0f32; len];
        let mut fu = vec![0f32; flen];
        for (l, &(k, n, _, bias)) in layers.iter().enumerate() {
            let (w, b) = (rand_vec(&mut rng, k * n), rand_vec(&mut rng, n));
            un[per[l][0] as usize..][..k * n].copy_from_slice(&w);
            fu[sx + sy + offs[l].w..][..k * n].copy_from_slice(&w);
            if bias {
                un[per[l][1] as usize..][..n].copy_from_slice(&b);
                fu[sx + sy + offs[l].b..][..n].copy_from_slice(&b);
            }
        }
        let (pu, pf) = (Plan::new(&words, len).unwrap(), Plan::new(&fused, flen).unwrap());
        assert_eq!(pf.bindable, [true, true]);
        let (xs, ys) = (rand_vec(&mut rng, 3 * sx), rand_vec(&mut rng, 3 * sy));
        let (mut lu, mut lf) = (vec![0f32; 7], vec![0f32; 7]);
        assert_eq!(pu.run_steps(&words, &mut un, &xs, &ys, 0, loss as usize, None, &mut lu), (7, None));
        assert_eq!(pf.run_steps(&fused, &mut fu, &xs, &ys, 0, sx + sy + loss_at, None, &mut lf), (7, None));
        assert_eq!(bits(&lf), bits(&lu));
        assert_ne!(lu[0], lu[6]);
        for (l, &(k, n, _, bias)) in layers.iter().enumerate() {
            assert_eq!(bits(&fu[sx + sy + offs[l].w..][..k * n]), bits(&un[per[l][0] as usize..][..k * n]), "w{l}");
            assert_eq!(bits(&fu[sx + sy + offs[l].out..][..m * n]), bits(&un[per[l][2] as usize..][..m * n]), "out{l}");
            if bias {
                assert_eq!(bits(&fu[sx + sy + offs[l].b..][..n]), bits(&un[per[l][1] as usize..][..n]), "b{l}");
            }
        }
    }

    #[test]
    fn dense_chain_sgd_is_the_unfused_ops_bit_for_bit() {
        fused_matches_unfused(1, &[(3, 4, "relu", true), (4, 1, "none", true)], 0.0, 1);
        fused_matches_unfused(4, &[(2, 3, "sigmoid", true), (3, 1, "sigmoid", true)], 0.0, 2);
        fused_matches_unfused(5, &[(6, 8, "tanh", false), (8, 8, "relu", true), (8, 3, "none", true)], 1e-3, 3);
        fused_matches_unfused(2, &[(4, 5, "relu", true), (5, 5, "sigmoid", true), (5, 5, "tanh", true), (5, 2, "none", false)], 0.0, 4);
        // Beyond the tiny path (gemm inside the dense kernels): still the same bits.
        fused_matches_unfused(16, &[(40, 30, "relu", true), (30, 10, "none", true)], 0.0, 5);
    }

    #[test]
    fn bad_chains_are_refused() {
        let ok = |a: &[u32]| io(a, 0).map(|_| ());
        let mut a = vec![1u32, 2, 3, 0, 0, 0, 0, 0, 3, 0, 0];
        a.extend([3, 4, 1, 1, 4, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        let c = Chain::decode(&a, 0).unwrap();
        a[10] = c.layout().unwrap().3 as u32;
        assert_eq!(ok(&a), Ok(()));
        for (i, v) in [(1, 0), (1, 5), (2, 4), (11 + 4, 5), (11 + 2, 9), (11 + 3, 2), (10, 7), (0, 0)] {
            let mut b = a.clone();
            b[i] = v;
            assert_eq!(ok(&b), Err(Fault::BadAttribute { at: 0 }), "word {i} = {v}");
        }
        let mut huge = a.clone();
        huge[0] = u32::MAX;
        huge[11] = u32::MAX;
        assert_eq!(ok(&huge).map_err(|f| matches!(f, Fault::OutOfArena { .. } | Fault::BadAttribute { .. })), Err(true));
    }
}
