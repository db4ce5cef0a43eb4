//! Deterministic random data, tolerant comparison and the naive convolution for kernel tests.
pub struct Lcg(pub u64);
impl Lcg {
    pub fn next_f32(&mut self) -> f32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }
}
pub fn rand_vec(rng: &mut Lcg, n: usize) -> Vec<f32> {
    (0..n).map(|_| rng.next_f32()).collect()
}
pub fn assert_close(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let scale = 1.0f32.max(w.abs());
        assert!((g - w).abs() <= tol * scale, "{what}[{i}]: got {g}, want {w}");
    }
}

/// The definition, in f64: a direct 7-deep loop.
pub fn conv2d_naive(x: &[f32], wt: &[f32], b: &[f32], g: &crate::kernels::conv::Geom) -> Vec<f32> {
    let mut out = vec![0.0f64; g.n * g.o * g.ho * g.wo];
    let (cg, og) = (g.c / g.groups, g.o / g.groups);
    for n in 0..g.n {
        for o in 0..g.o {
            let grp = o / og;
            for oy in 0..g.ho {
                for ox in 0..g.wo {
                    let mut s = if b.is_empty() { 0.0 } else { b[o] as f64 };
                    for ci in 0..cg {
                        for i in 0..g.kh {
                            for j in 0..g.kw {
                                let iy = (oy * g.sh + i * g.dh) as isize - g.ph as isize;
                                let ix = (ox * g.sw + j * g.dw) as isize - g.pw as isize;
                                if iy >= 0 && iy < g.h as isize && ix >= 0 && ix < g.w as isize {
                                    let xv = x[((n * g.c + grp * cg + ci) * g.h + iy as usize) * g.w + ix as usize] as f64;
                                    s += xv * wt[((o * cg + ci) * g.kh + i) * g.kw + j] as f64;
                                }
                            }
                        }
                    }
                    out[((n * g.o + o) * g.ho + oy) * g.wo + ox] = s;
                }
            }
        }
    }
    out.iter().map(|&v| v as f32).collect()
}
