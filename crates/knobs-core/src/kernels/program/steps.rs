//! Several training steps in one call (TS `CompiledStep.steps`, Keras' `steps_per_execution`):
//! at a tiny net's step of a fraction of a microsecond, the JS around each `program_run` call
//! and the call itself were a quarter of the step. The plan is decoded once; each step hands it
//! the next batch of the in-memory data, exactly as a `program_run` call with that batch would.
use super::{f32_of, Fault, Plan, H_BC1, H_BC2, H_LR};

impl Plan {
    /// Runs `losses.len()` steps. Step s reads batch `(first + s) mod nb` of `x` and `y`, which
    /// hold `nb` batches of the input slots' lengths, rows in order; its loss (`arena[loss_at]`)
    /// goes to `losses[s]`. `bc`: Adam's bias corrections, two per step (the step count advances
    /// inside the call); None: the header's, as for the other optimizers' constant scalars.
    ///
    /// Returns the steps completed and the fault that stopped the run, if any (a refused step
    /// changed no parameter: its faults come from the loss's NaN checks, before any update). A
    /// non-finite loss ends the run after its step, so the caller stops where a loop of single
    /// steps checking each loss would have.
    pub fn run_steps(&self, prog: &[u32], arena: &mut [f32], x: &[f32], y: &[f32], first: usize, loss_at: usize, bc: Option<&[f32]>, losses: &mut [f32]) -> (usize, Option<Fault>) {
        let (sx, sy) = (self.slot_len(0), self.slot_len(1));
        let steps = losses.len();
        let nb = if sx > 0 && sy > 0 { x.len() / sx } else { 0 };
        if nb == 0 || x.len() != nb * sx || y.len() != nb * sy || loss_at >= arena.len() || bc.is_some_and(|b| b.len() != 2 * steps) {
            return (0, Some(Fault::BadInput));
        }
        let lr = f32_of(prog[H_LR]);
        let mut b = first % nb;
        for s in 0..steps {
            let (bc1, bc2) = match bc {
                Some(t) => (t[2 * s], t[2 * s + 1]),
                None => (f32_of(prog[H_BC1]), f32_of(prog[H_BC2])),
            };
            let inputs = [Some(&x[b * sx..][..sx]), Some(&y[b * sy..][..sy])];
            if let Err(f) = self.run_with(arena, inputs, [lr, bc1, bc2]) {
                return (s, Some(f));
            }
            losses[s] = arena[loss_at];
            if !losses[s].is_finite() {
                return (s + 1, None);
            }
            b = if b + 1 == nb { 0 } else { b + 1 };
        }
        (steps, None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{op, CHECK_BOTH, H_SLOTS, MAGIC, NONE, VERSION};
    use super::*;
    use crate::kernels::dense::Act;
    use crate::kernels::testutil::{rand_vec, Lcg};

    /// x[m×k] → dense(relu) → MSE against y, then an update of w and b: SGD, or Adam with
    /// the bias corrections of the header. Returns the program, the arena length and offsets.
    fn program(m: usize, k: usize, n: usize, adam: bool) -> (Vec<u32>, usize, [usize; 5]) {
        let [x, y, w, b, out, loss, g, gz, gw, gb, mw, vw, mb, vb] = {
            let sizes = [m * k, m * n, k * n, n, m * n, 1, m * n, m * n, k * n, n, k * n, k * n, n, n];
            let mut at = 0u32;
            sizes.map(|s| {
                let o = at;
                at += s as u32;
                o
            })
        };
        let len = (vb as usize) + n;
        let [mu, ku, nu] = [m, k, n].map(|v| v as u32);
        let relu = Act::code("relu").unwrap();
        let scale = (1.0 / (m * n) as f64).to_bits();
        let mut w_ = vec![MAGIC, VERSION, 0, len as u32, 0.05f32.to_bits(), 0, 0, 0, x, mu * ku, y, mu * nu];
        let mut ops = vec![
            vec![op::DENSE_FORWARD, x, w, b, 1, out, mu, ku, nu, relu],
            vec![op::MSE, out, y, mu * nu, CHECK_BOTH, loss, scale as u32, (scale >> 32) as u32],
            vec![op::MSE_BACKWARD, out, y, g, mu * nu, (2.0 / (m * n) as f32).to_bits()],
            vec![op::DENSE_BACKWARD, x, w, out, g, gz, 0, gw, gb, mu, ku, nu, relu, 0, 1, 1, 0],
        ];
        for (p, gr, mm, vv, l) in [(w, gw, mw, vw, ku * nu), (b, gb, mb, vb, nu)] {
            ops.push(if adam {
                vec![op::ADAM, p, gr, mm, vv, l, 0.9f32.to_bits(), 0.999f32.to_bits(), 1e-8f32.to_bits(), 0, 0]
            } else {
                vec![op::SGD, p, gr, NONE, l, 0, 0, 0]
            });
        }
        w_[2] = ops.len() as u32;
        for o in ops {
            w_.extend(o);
        }
        assert_eq!(w_[H_SLOTS], x);
        (w_, len, [x, y, w, b, loss].map(|v| v as usize))
    }

    fn bits(v: &[f32]) -> Vec<u32> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// run_steps over nb batches from batch `first`, wrapping, against one run per step with
    /// the batch handed in: the same arena bits and losses, for SGD and for Adam's per-step
    /// bias corrections from the table.
    #[test]
    fn run_steps_is_the_same_steps_run_one_by_one() {
        let (m, k, n, nb, steps, first) = (2usize, 3usize, 2usize, 3usize, 7usize, 2usize);
        for adam in [false, true] {
            let (mut prog, len, [_, _, w, b, loss]) = program(m, k, n, adam);
            let plan = Plan::new(&prog, len).unwrap();
            let mut rng = Lcg(5);
            let (xs, ys) = (rand_vec(&mut rng, nb * m * k), rand_vec(&mut rng, nb * m * n));
            let mut start = vec![0f32; len];
            start[w..][..k * n].copy_from_slice(&rand_vec(&mut rng, k * n));
            start[b..][..n].copy_from_slice(&rand_vec(&mut rng, n));
            let bc: Vec<f32> = (1..=steps as i32).flat_map(|t| [1.0 - 0.9f32.powi(t), 1.0 - 0.999f32.powi(t)]).collect();

            let mut one = start.clone();
            let mut want = vec![0f32; steps];
            for (s, l) in want.iter_mut().enumerate() {
                let bi = (first + s) % nb;
                prog[H_BC1] = bc[2 * s].to_bits();
                prog[H_BC2] = bc[2 * s + 1].to_bits();
                plan.run(&prog, &mut one, [Some(&xs[bi * m * k..][..m * k]), Some(&ys[bi * m * n..][..m * n])]).unwrap();
                *l = one[loss];
            }
            let mut many = start.clone();
            let mut got = vec![0f32; steps];
            let table = if adam { Some(&bc[..]) } else { None };
            assert_eq!(plan.run_steps(&prog, &mut many, &xs, &ys, first, loss, table, &mut got), (steps, None));
            assert_eq!(bits(&many), bits(&one), "adam {adam}");
            assert_eq!(bits(&got), bits(&want), "adam {adam}");
            assert_ne!(bits(&many[w..][..k * n]), bits(&start[w..][..k * n]), "the steps moved the weights");
        }
    }

    #[test]
    fn run_steps_refuses_bad_data_and_stops_at_a_bad_loss() {
        let (m, k, n) = (2usize, 3usize, 2usize);
        let (prog, len, [_, _, w, _, loss]) = program(m, k, n, false);
        let plan = Plan::new(&prog, len).unwrap();
        let mut rng = Lcg(8);
        let (mut xs, ys) = (rand_vec(&mut rng, 2 * m * k), rand_vec(&mut rng, 2 * m * n));
        let mut arena = vec![0.5f32; len];
        let mut losses = vec![0f32; 4];
        // A partial batch, batch counts that differ, a short bias table: nothing runs.
        for (x, y, bc) in [(&xs[1..], &ys[..], None), (&xs[..], &ys[..m * n], None), (&xs[..], &ys[..], Some(&[1f32][..]))] {
            assert_eq!(plan.run_steps(&prog, &mut arena, x, y, 0, loss, bc, &mut losses), (0, Some(Fault::BadInput)));
        }
        assert!(arena.iter().all(|v| *v == 0.5));
        // NaN in the second batch's x: the first step runs, the second is refused by the loss's
        // check (after the forward wrote its output, before any update).
        xs[m * k] = f32::NAN;
        let (done, fault) = plan.run_steps(&prog, &mut arena, &xs, &ys, 0, loss, None, &mut losses);
        assert_eq!((done, fault.map(|f| matches!(f, Fault::NonFinite { .. }))), (1, Some(true)));
        let w_after_one = bits(&arena[w..][..k * n]);
        // A loss that overflows to Inf: the run stops after that step.
        xs[m * k] = 1e30;
        let (done, fault) = plan.run_steps(&prog, &mut arena, &xs, &ys, 0, loss, None, &mut losses);
        assert_eq!((done, fault), (2, None));
        assert!(losses[0].is_finite() && !losses[1].is_finite());
        assert_ne!(bits(&arena[w..][..k * n]), w_after_one);
    }
}
