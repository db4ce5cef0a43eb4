//! Counter-based random numbers: value i of a stream depends only on (seed, i), so a fill
//! is reproducible, order-independent and needs no state beyond the seed the caller passes.

#[inline(always)]
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
#[inline(always)]
fn bits(seed: u64, i: u64) -> u64 {
    splitmix64(seed ^ splitmix64(i))
}
/// Uniform in [0, 1) from the top 24 bits (exactly representable in f32).
#[inline(always)]
fn unit(b: u32) -> f32 {
    (b >> 8) as f32 * (1.0 / 16_777_216.0)
}

pub fn fill_uniform(out: &mut [f32], seed: u64, lo: f32, hi: f32) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = lo + (hi - lo) * unit((bits(seed, i as u64) >> 32) as u32);
    }
}
/// Box–Muller on the two 32-bit halves of one draw; u1 ∈ (0, 1] so ln never sees 0.
pub fn fill_normal(out: &mut [f32], seed: u64, mean: f32, std: f32) {
    for (i, o) in out.iter_mut().enumerate() {
        let b = bits(seed, i as u64);
        let u1 = 1.0 - unit((b >> 32) as u32);
        let u2 = unit(b as u32);
        let r = (-2.0 * (u1 as f64).ln()).sqrt();
        *o = mean + std * (r * (2.0 * core::f64::consts::PI * u2 as f64).cos()) as f32;
    }
}
/// Inverted dropout mask: 0 with probability p, else 1/(1−p), so activations keep their
/// expected value and evaluation needs no rescaling.
pub fn dropout_mask(out: &mut [f32], seed: u64, p: f32) {
    let keep = 1.0 / (1.0 - p);
    for (i, o) in out.iter_mut().enumerate() {
        *o = if unit((bits(seed, i as u64) >> 32) as u32) < p { 0.0 } else { keep };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_and_determinism() {
        let n = 100_000;
        let mut a = vec![0.0; n];
        fill_normal(&mut a, 42, 1.0, 2.0);
        let mean: f64 = a.iter().map(|v| *v as f64).sum::<f64>() / n as f64;
        let var: f64 = a.iter().map(|v| (*v as f64 - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.03 && (var.sqrt() - 2.0).abs() < 0.03, "{mean} {var}");
        let mut b = vec![0.0; n];
        fill_normal(&mut b, 42, 1.0, 2.0);
        assert_eq!(a, b);
        fill_normal(&mut b, 43, 1.0, 2.0);
        assert_ne!(a, b);
        let mut u = vec![0.0; n];
        fill_uniform(&mut u, 7, -1.0, 3.0);
        assert!(u.iter().all(|v| (-1.0..3.0).contains(v)));
        let mu: f64 = u.iter().map(|v| *v as f64).sum::<f64>() / n as f64;
        assert!((mu - 1.0).abs() < 0.02);
        let mut m = vec![0.0; n];
        dropout_mask(&mut m, 9, 0.25);
        let zeros = m.iter().filter(|v| **v == 0.0).count() as f64 / n as f64;
        assert!((zeros - 0.25).abs() < 0.01);
        assert!(m.iter().all(|v| *v == 0.0 || (*v - 4.0 / 3.0).abs() < 1e-6));
    }
}
