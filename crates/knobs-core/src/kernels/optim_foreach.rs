//! Optimizer updates over many tensors in one call (PyTorch's `foreach` optimizers): a tiny
//! network's step updates a handful of few-float tensors, where the call per tensor costs more
//! than its arithmetic. Each tensor gets exactly the single-tensor update, so the bits match.

use super::optim::sgd;

/// `sgd` on every (param, grad, velocity) of `tensors`, with the same hyperparameters.
pub fn sgd_foreach<'a>(tensors: impl IntoIterator<Item = (&'a mut [f32], &'a [f32], &'a mut [f32])>, lr: f32, momentum: f32, weight_decay: f32, nesterov: bool) {
    for (p, g, v) in tensors {
        sgd(p, g, v, lr, momentum, weight_decay, nesterov);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensors(seed: u32, lens: &[usize]) -> Vec<Vec<f32>> {
        let mut x = seed;
        lens.iter()
            .map(|&n| {
                (0..n)
                    .map(|_| {
                        x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        (x >> 8) as f32 / (1u32 << 24) as f32 - 0.5
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn sgd_foreach_matches_sgd_per_tensor_bit_for_bit() {
        let lens = [12, 4, 1, 0, 37];
        for &(momentum, weight_decay, nesterov) in &[(0.0, 0.0, false), (0.9, 0.0, false), (0.9, 0.01, true), (0.0, 0.1, false)] {
            let grads = tensors(7, &lens);
            let (mut p1, mut v1) = (tensors(1, &lens), tensors(3, &lens));
            let (mut p2, mut v2) = (p1.clone(), v1.clone());
            for _ in 0..3 {
                for ((p, g), v) in p1.iter_mut().zip(&grads).zip(v1.iter_mut()) {
                    sgd(p, g, v, 0.05, momentum, weight_decay, nesterov);
                }
                sgd_foreach(p2.iter_mut().zip(&grads).zip(v2.iter_mut()).map(|((p, g), v)| (&mut p[..], &g[..], &mut v[..])), 0.05, momentum, weight_decay, nesterov);
            }
            let bits = |t: &Vec<Vec<f32>>| t.iter().flatten().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&p1), bits(&p2), "params, momentum {momentum}");
            assert_eq!(bits(&v1), bits(&v2), "velocities, momentum {momentum}");
            assert_ne!(bits(&p1), bits(&tensors(1, &lens)), "the update changed nothing");
        }
    }
}
