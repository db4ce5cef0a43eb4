//! Elementwise arithmetic on equal-length slices.

pub fn add(a: &[f32], b: &[f32], out: &mut [f32]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x + y;
    }
}
pub fn sub(a: &[f32], b: &[f32], out: &mut [f32]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x - y;
    }
}
pub fn mul(a: &[f32], b: &[f32], out: &mut [f32]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x * y;
    }
}
pub fn div(a: &[f32], b: &[f32], out: &mut [f32]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = x / y;
    }
}
/// out = alpha * a + beta (covers scale, neg, add-scalar in one kernel).
pub fn scale(a: &[f32], alpha: f32, beta: f32, out: &mut [f32]) {
    for (o, x) in out.iter_mut().zip(a) {
        *o = alpha * x + beta;
    }
}
/// x = alpha * x + beta, in place (gradient sign flips and rescaling without a second buffer).
pub fn scale_inplace(x: &mut [f32], alpha: f32, beta: f32) {
    for v in x.iter_mut() {
        *v = alpha * *v + beta;
    }
}
/// y += alpha * x — gradient accumulation and optimizer updates.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}
/// out[i, :] = a[i, :] + bias — the dense layer's bias add, a[rows×cols].
pub fn add_row(a: &[f32], bias: &[f32], out: &mut [f32], cols: usize) {
    if cols == 0 {
        return;
    }
    for (orow, arow) in out.chunks_exact_mut(cols).zip(a.chunks_exact(cols)) {
        add(arow, bias, orow);
    }
}
/// Elementwise power with a scalar exponent.
pub fn pow_scalar(a: &[f32], p: f32, out: &mut [f32]) {
    for (o, x) in out.iter_mut().zip(a) {
        *o = x.powf(p);
    }
}
pub fn exp(a: &[f32], out: &mut [f32]) {
    for (o, x) in out.iter_mut().zip(a) {
        *o = x.exp();
    }
}
pub fn log(a: &[f32], out: &mut [f32]) {
    for (o, x) in out.iter_mut().zip(a) {
        *o = x.ln();
    }
}
/// Count of NaN/±Inf values: losses refuse non-finite inputs with a clear error.
pub fn count_nonfinite(a: &[f32]) -> usize {
    a.iter().filter(|x| !x.is_finite()).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    #[test]
    fn elementwise_match_naive() {
        let mut rng = Lcg(3);
        for n in [0usize, 1, 3, 4, 5, 17, 64, 1001] {
            let a = rand_vec(&mut rng, n);
            let b: Vec<f32> = rand_vec(&mut rng, n).iter().map(|v| v + 2.5).collect();
            let mut out = vec![0.0; n];
            add(&a, &b, &mut out);
            assert_close(&out, &a.iter().zip(&b).map(|(x, y)| x + y).collect::<Vec<_>>(), 1e-6, "add");
            sub(&a, &b, &mut out);
            assert_close(&out, &a.iter().zip(&b).map(|(x, y)| x - y).collect::<Vec<_>>(), 1e-6, "sub");
            mul(&a, &b, &mut out);
            assert_close(&out, &a.iter().zip(&b).map(|(x, y)| x * y).collect::<Vec<_>>(), 1e-6, "mul");
            div(&a, &b, &mut out);
            assert_close(&out, &a.iter().zip(&b).map(|(x, y)| x / y).collect::<Vec<_>>(), 1e-6, "div");
            scale(&a, -2.0, 0.5, &mut out);
            assert_close(&out, &a.iter().map(|x| -2.0 * x + 0.5).collect::<Vec<_>>(), 1e-6, "scale");
            exp(&a, &mut out);
            assert_close(&out, &a.iter().map(|x| x.exp()).collect::<Vec<_>>(), 1e-6, "exp");
            log(&b, &mut out);
            assert_close(&out, &b.iter().map(|x| x.ln()).collect::<Vec<_>>(), 1e-6, "log");
            pow_scalar(&b, 1.5, &mut out);
            assert_close(&out, &b.iter().map(|x| x.powf(1.5)).collect::<Vec<_>>(), 1e-5, "pow_scalar");
            let mut y = a.clone();
            scale_inplace(&mut y, 3.0, -1.0);
            assert_close(&y, &a.iter().map(|x| 3.0 * x - 1.0).collect::<Vec<_>>(), 1e-6, "scale_inplace");
            let mut y = b.clone();
            axpy(0.25, &a, &mut y);
            assert_close(&y, &a.iter().zip(&b).map(|(x, y)| y + 0.25 * x).collect::<Vec<_>>(), 1e-6, "axpy");
        }
    }

    #[test]
    fn add_row_and_nonfinite() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut out = [0.0; 6];
        add_row(&a, &[10.0, 20.0, 30.0], &mut out, 3);
        assert_eq!(out, [11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
        assert_eq!(count_nonfinite(&[1.0, f32::NAN, f32::INFINITY, -f32::INFINITY, 0.0]), 3);
    }
}
