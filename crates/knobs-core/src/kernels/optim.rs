//! Optimizer updates: each a pure in-place update of (param, grad, state) for one tensor,
//! one pass over memory. Semantics follow PyTorch's `torch.optim` so users' settings transfer.

/// SGD with optional momentum, Nesterov and L2 weight decay (PyTorch semantics, dampening 0).
/// `velocity` is only touched when momentum ≠ 0.
pub fn sgd(param: &mut [f32], grad: &[f32], velocity: &mut [f32], lr: f32, momentum: f32, weight_decay: f32, nesterov: bool) {
    if momentum == 0.0 {
        for (p, g) in param.iter_mut().zip(grad) {
            let g = g + weight_decay * *p;
            *p -= lr * g;
        }
        return;
    }
    for ((p, g), v) in param.iter_mut().zip(grad).zip(velocity.iter_mut()) {
        let g = g + weight_decay * *p;
        *v = momentum * *v + g;
        let step = if nesterov { g + momentum * *v } else { *v };
        *p -= lr * step;
    }
}

/// Adam / AdamW. `bc1 = 1 − β1^t`, `bc2 = 1 − β2^t` come from the caller (it owns the step count).
/// `decoupled` selects AdamW (decay applied to the weights directly, not through the moments).
#[allow(clippy::too_many_arguments)]
pub fn adam(param: &mut [f32], grad: &[f32], m: &mut [f32], v: &mut [f32], lr: f32, beta1: f32, beta2: f32, eps: f32, weight_decay: f32, decoupled: bool, bc1: f32, bc2: f32) {
    let step = lr / bc1;
    let inv_sqrt_bc2 = 1.0 / bc2.sqrt();
    for (((p, g), mi), vi) in param.iter_mut().zip(grad).zip(m.iter_mut()).zip(v.iter_mut()) {
        let mut g = *g;
        if decoupled {
            *p -= lr * weight_decay * *p;
        } else {
            g += weight_decay * *p;
        }
        *mi = beta1 * *mi + (1.0 - beta1) * g;
        *vi = beta2 * *vi + (1.0 - beta2) * g * g;
        *p -= step * *mi / (vi.sqrt() * inv_sqrt_bc2 + eps);
    }
}

/// RMSprop (no momentum, not centered): v = αv + (1−α)g²; p −= lr·g/(√v + ε).
pub fn rmsprop(param: &mut [f32], grad: &[f32], v: &mut [f32], lr: f32, alpha: f32, eps: f32, weight_decay: f32) {
    for ((p, g), vi) in param.iter_mut().zip(grad).zip(v.iter_mut()) {
        let g = g + weight_decay * *p;
        *vi = alpha * *vi + (1.0 - alpha) * g * g;
        *p -= lr * g / (vi.sqrt() + eps);
    }
}

/// Adagrad: s += g²; p −= lr·g/(√s + ε).
pub fn adagrad(param: &mut [f32], grad: &[f32], s: &mut [f32], lr: f32, eps: f32, weight_decay: f32) {
    for ((p, g), si) in param.iter_mut().zip(grad).zip(s.iter_mut()) {
        let g = g + weight_decay * *p;
        *si += g * g;
        *p -= lr * g / (si.sqrt() + eps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sgd_plain_momentum_nesterov() {
        let mut p = [1.0f32, -2.0];
        let mut v = [0.0f32; 2];
        sgd(&mut p, &[0.5, 1.0], &mut v, 0.1, 0.0, 0.0, false);
        assert_eq!(p, [0.95, -2.1]);
        let mut p = [1.0f32];
        let mut v = [0.0f32];
        sgd(&mut p, &[1.0], &mut v, 0.1, 0.9, 0.0, false);
        sgd(&mut p, &[1.0], &mut v, 0.1, 0.9, 0.0, false);
        // v1 = 1, v2 = 1.9 → p = 1 − 0.1 − 0.19
        assert!((p[0] - 0.71).abs() < 1e-6 && (v[0] - 1.9).abs() < 1e-6);
        let mut p = [1.0f32];
        let mut v = [0.0f32];
        sgd(&mut p, &[1.0], &mut v, 0.1, 0.9, 0.0, true);
        assert!((p[0] - (1.0 - 0.1 * 1.9)).abs() < 1e-6);
        let mut p = [2.0f32];
        sgd(&mut p, &[0.0], &mut [0.0], 0.5, 0.0, 0.1, false);
        assert!((p[0] - 1.9).abs() < 1e-6);
    }

    fn adam_ref(p0: f64, grads: &[f64], lr: f64) -> f64 {
        let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8f64);
        let (mut p, mut m, mut v) = (p0, 0.0, 0.0);
        for (t, g) in grads.iter().enumerate() {
            let t = (t + 1) as i32;
            m = b1 * m + (1.0 - b1) * g;
            v = b2 * v + (1.0 - b2) * g * g;
            p -= lr * (m / (1.0 - b1.powi(t))) / ((v / (1.0 - b2.powi(t))).sqrt() + eps);
        }
        p
    }

    #[test]
    fn adam_rmsprop_adagrad_match_reference() {
        let grads = [0.5f32, -0.25, 1.0, 0.1];
        let (mut p, mut m, mut v) = ([1.0f32], [0.0f32], [0.0f32]);
        for (t, g) in grads.iter().enumerate() {
            let t = (t + 1) as i32;
            adam(&mut p, &[*g], &mut m, &mut v, 0.01, 0.9, 0.999, 1e-8, 0.0, false, 1.0 - 0.9f32.powi(t), 1.0 - 0.999f32.powi(t));
        }
        let want = adam_ref(1.0, &grads.iter().map(|g| *g as f64).collect::<Vec<_>>(), 0.01);
        assert!((p[0] as f64 - want).abs() < 1e-6, "{} vs {}", p[0], want);
        let (mut p, mut v) = ([1.0f32], [0.0f32]);
        rmsprop(&mut p, &[2.0], &mut v, 0.01, 0.99, 1e-8, 0.0);
        assert!((v[0] - 0.04).abs() < 1e-7 && (p[0] - (1.0 - 0.01 * 2.0 / 0.2)).abs() < 1e-6);
        let (mut p, mut s) = ([1.0f32], [0.0f32]);
        adagrad(&mut p, &[2.0], &mut s, 0.1, 1e-10, 0.0);
        assert!((s[0] - 4.0).abs() < 1e-7 && (p[0] - 0.9).abs() < 1e-6);
        let (mut p, mut m, mut v) = ([1.0f32], [0.0f32], [0.0f32]);
        adam(&mut p, &[0.0], &mut m, &mut v, 0.1, 0.9, 0.999, 1e-8, 0.5, true, 0.1, 0.001);
        assert!((p[0] - 0.95).abs() < 1e-6, "adamw decay");
    }
}
