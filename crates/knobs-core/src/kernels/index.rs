//! Integer-indexed data movement: gathers, scatter-adds, one-hot rows and selection by a 0/1
//! condition. Indices are i32 and are range-checked by the caller (with `first_bad_index`)
//! before any of these runs, so a bad index is reported with its position instead of panicking
//! here; slice indexing still bounds-checks, so a missed check cannot touch foreign memory.
use super::broadcast::MAX_RANK;

/// Walks every index of `shape` (row-major) with N stride sets, calling `f(flat, offsets)`.
/// Per element rather than per row: these ops are memory-bound and their shapes are small.
fn walk<const N: usize>(shape: &[usize], st: [&[usize]; N], mut f: impl FnMut(usize, [usize; N])) {
    if shape.iter().any(|&d| d == 0) {
        return;
    }
    let rank = shape.len();
    let mut idx = [0usize; MAX_RANK];
    let mut off = [0usize; N];
    let mut flat = 0;
    loop {
        f(flat, off);
        flat += 1;
        let mut ax = rank;
        loop {
            if ax == 0 {
                return;
            }
            ax -= 1;
            idx[ax] += 1;
            for k in 0..N {
                off[k] += st[k][ax];
            }
            if idx[ax] < shape[ax] {
                break;
            }
            for k in 0..N {
                off[k] -= st[k][ax] * shape[ax];
            }
            idx[ax] = 0;
        }
    }
}

/// Float indices (a Tensor passed as an index) to i32. Returns the first position whose value is
/// not an integer representable as i32, or `src.len()` when all are.
pub fn indices_from_f32(src: &[f32], dst: &mut [i32]) -> usize {
    for (i, (d, &v)) in dst.iter_mut().zip(src).enumerate() {
        // The range test also rejects NaN and ±Inf (every comparison with NaN is false).
        if !(v.trunc() == v && v >= i32::MIN as f32 && v < 2147483648.0) {
            return i;
        }
        *d = v as i32;
    }
    src.len()
}
/// First position whose index is outside [0, hi), or `idx.len()` when all are in range.
pub fn first_bad_index(idx: &[i32], hi: i32) -> usize {
    idx.iter().position(|&v| v < 0 || v >= hi).unwrap_or(idx.len())
}
/// Indices (argmax/argmin results) as floats, the only dtype of a Tensor.
pub fn indices_to_f32(src: &[i32], dst: &mut [f32]) {
    for (d, &v) in dst.iter_mut().zip(src) {
        *d = v as f32;
    }
}

/// x viewed as [outer, n, inner]: out[o, j, :] = x[o, idx[j], :] (out is [outer, idx.len(), inner]).
pub fn index_select(x: &[f32], idx: &[i32], out: &mut [f32], outer: usize, n: usize, inner: usize) {
    let m = idx.len();
    for o in 0..outer {
        for (j, &i) in idx.iter().enumerate() {
            let src = (o * n + i as usize) * inner;
            let dst = (o * m + j) * inner;
            out[dst..dst + inner].copy_from_slice(&x[src..src + inner]);
        }
    }
}
/// The adjoint of `index_select`: dst[o, idx[j], :] += src[o, j, :]. Repeated indices accumulate.
pub fn index_add(dst: &mut [f32], idx: &[i32], src: &[f32], outer: usize, n: usize, inner: usize) {
    let m = idx.len();
    for o in 0..outer {
        for (j, &i) in idx.iter().enumerate() {
            let d = (o * n + i as usize) * inner;
            let s = (o * m + j) * inner;
            for (a, b) in dst[d..d + inner].iter_mut().zip(&src[s..s + inner]) {
                *a += b;
            }
        }
    }
}

/// PyTorch `gather`: out[c] = x[c with c[axis] replaced by idx[c]] over `shape` (the index's
/// shape, ≤ x's shape on every other axis); `xs` are x's strides.
pub fn gather(x: &[f32], xs: &[usize], axis: usize, idx: &[i32], out: &mut [f32], shape: &[usize]) {
    let mut st = [0usize; MAX_RANK];
    st[..shape.len()].copy_from_slice(&xs[..shape.len()]);
    st[axis] = 0;
    let step = xs[axis];
    walk(shape, [&st[..shape.len()]], |flat, [o]| out[flat] = x[o + idx[flat] as usize * step]);
}
/// The adjoint of `gather` (PyTorch `scatter_add`): dst[c with c[axis] = idx[c]] += src[c].
pub fn scatter_add(dst: &mut [f32], ds: &[usize], axis: usize, idx: &[i32], src: &[f32], shape: &[usize]) {
    let mut st = [0usize; MAX_RANK];
    st[..shape.len()].copy_from_slice(&ds[..shape.len()]);
    st[axis] = 0;
    let step = ds[axis];
    walk(shape, [&st[..shape.len()]], |flat, [o]| dst[o + idx[flat] as usize * step] += src[flat]);
}

/// out[i, :] = the one-hot row of idx[i] over `classes`.
pub fn one_hot(idx: &[i32], out: &mut [f32], classes: usize) {
    out.fill(0.0);
    for (i, &c) in idx.iter().enumerate() {
        out[i * classes + c as usize] = 1.0;
    }
}

/// First position of `x` holding neither 0 nor 1, or `x.len()`: a condition or mask must be
/// boolean-valued, so a probability passed by mistake is refused instead of thresholded.
pub fn first_not_binary(x: &[f32]) -> usize {
    x.iter().position(|&v| v != 0.0 && v != 1.0).unwrap_or(x.len())
}
/// out[c] = cond[c·sc] != 0 ? a[c·sa] : b[c·sb] over `shape` (broadcast by strides).
pub fn where_select(cond: &[f32], sc: &[usize], a: &[f32], sa: &[usize], b: &[f32], sb: &[usize], out: &mut [f32], shape: &[usize]) {
    walk(shape, [sc, sa, sb], |flat, [c, i, j]| out[flat] = if cond[c] != 0.0 { a[i] } else { b[j] });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{rand_vec, Lcg};

    fn strides(shape: &[usize]) -> Vec<usize> {
        let mut s = vec![1; shape.len()];
        for i in (0..shape.len().saturating_sub(1)).rev() {
            s[i] = s[i + 1] * shape[i + 1];
        }
        s
    }
    fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
        let mut c = vec![0; shape.len()];
        for i in (0..shape.len()).rev() {
            c[i] = flat % shape[i];
            flat /= shape[i];
        }
        c
    }
    fn dot(c: &[usize], s: &[usize]) -> usize {
        c.iter().zip(s).map(|(a, b)| a * b).sum()
    }

    #[test]
    fn index_conversion_and_checks() {
        let mut d = [0i32; 4];
        assert_eq!(indices_from_f32(&[0.0, 3.0, -2.0, 7.0], &mut d), 4);
        assert_eq!(d, [0, 3, -2, 7]);
        assert_eq!(indices_from_f32(&[1.0, 2.5, 3.0], &mut d[..3]), 1);
        assert_eq!(indices_from_f32(&[f32::NAN], &mut d[..1]), 0);
        assert_eq!(indices_from_f32(&[1.0, 3e9], &mut d[..2]), 1);
        assert_eq!(indices_from_f32(&[f32::INFINITY], &mut d[..1]), 0);
        assert_eq!(first_bad_index(&[0, 4, 2], 5), 3);
        assert_eq!(first_bad_index(&[0, 5, 2], 5), 1);
        assert_eq!(first_bad_index(&[0, 1, -1], 5), 2);
        let mut f = [0.0f32; 3];
        indices_to_f32(&[2, 0, 9], &mut f);
        assert_eq!(f, [2.0, 0.0, 9.0]);
    }

    #[test]
    fn index_select_and_index_add_match_naive() {
        let mut rng = Lcg(3);
        for &(outer, n, inner) in &[(1usize, 5usize, 3usize), (2, 4, 1), (3, 6, 4)] {
            let x = rand_vec(&mut rng, outer * n * inner);
            let idx = [1, 0, 1, (n - 1) as i32, 1];
            let m = idx.len();
            let mut out = vec![0.0; outer * m * inner];
            index_select(&x, &idx, &mut out, outer, n, inner);
            let mut back = vec![0.5; outer * n * inner];
            index_add(&mut back, &idx, &out, outer, n, inner);
            for o in 0..outer {
                for j in 0..m {
                    for q in 0..inner {
                        assert_eq!(out[(o * m + j) * inner + q], x[(o * n + idx[j] as usize) * inner + q]);
                    }
                }
                for i in 0..n {
                    let hits = idx.iter().filter(|&&v| v as usize == i).count() as f32;
                    for q in 0..inner {
                        let want = 0.5 + hits * x[(o * n + i) * inner + q];
                        assert!((back[(o * n + i) * inner + q] - want).abs() < 1e-6);
                    }
                }
            }
        }
    }

    #[test]
    fn gather_and_scatter_add_match_naive() {
        let mut rng = Lcg(5);
        // x [3,4,5]; index shapes smaller than x on the other axes (PyTorch allows ≤).
        let xshape = [3usize, 4, 5];
        let xs = strides(&xshape);
        let x = rand_vec(&mut rng, 60);
        for axis in 0..3 {
            let ishape: Vec<usize> = (0..3).map(|d| if d == axis { 6 } else { xshape[d] - 1 }).collect();
            let total: usize = ishape.iter().product();
            let idx: Vec<i32> = (0..total).map(|i| ((i * 7 + 3) % xshape[axis]) as i32).collect();
            let mut out = vec![0.0; total];
            gather(&x, &xs, axis, &idx, &mut out, &ishape);
            let mut dst = vec![0.0; 60];
            scatter_add(&mut dst, &xs, axis, &idx, &out, &ishape);
            let mut want_dst = vec![0.0; 60];
            for f in 0..total {
                let mut c = unravel(f, &ishape);
                c[axis] = idx[f] as usize;
                assert_eq!(out[f], x[dot(&c, &xs)], "gather axis {axis} at {f}");
                want_dst[dot(&c, &xs)] += out[f];
            }
            for (g, w) in dst.iter().zip(&want_dst) {
                assert!((g - w).abs() < 1e-6, "scatter_add axis {axis}");
            }
        }
    }

    #[test]
    fn one_hot_and_where_match_naive() {
        let mut out = vec![9.0; 6];
        one_hot(&[2, 0], &mut out, 3);
        assert_eq!(out, [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
        assert_eq!(first_not_binary(&[0.0, 1.0, 1.0]), 3);
        assert_eq!(first_not_binary(&[0.0, 0.5]), 1);
        assert_eq!(first_not_binary(&[f32::NAN]), 0);
        // cond [2,1], a [1,3], b scalar → out [2,3]
        let shape = [2usize, 3];
        let (cond, a, b) = ([1.0, 0.0], [1.0, 2.0, 3.0], [-7.0]);
        let mut out = vec![0.0; 6];
        where_select(&cond, &[1, 0], &a, &[0, 1], &b, &[0, 0], &mut out, &shape);
        assert_eq!(out, [1.0, 2.0, 3.0, -7.0, -7.0, -7.0]);
        let mut rng = Lcg(8);
        let shape = [2usize, 3, 2, 2];
        let n: usize = shape.iter().product();
        let a = rand_vec(&mut rng, n);
        let b = rand_vec(&mut rng, n);
        let cond: Vec<f32> = rand_vec(&mut rng, n).iter().map(|v| if *v > 0.0 { 1.0 } else { 0.0 }).collect();
        let s = strides(&shape);
        let mut out = vec![0.0; n];
        where_select(&cond, &s, &a, &s, &b, &s, &mut out, &shape);
        for i in 0..n {
            assert_eq!(out[i], if cond[i] == 1.0 { a[i] } else { b[i] });
        }
    }
}
