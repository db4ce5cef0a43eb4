//! NumPy-style broadcasting for ranks up to `MAX_RANK`, by strides: a broadcast axis has
//! stride 0. The TS side computes the strides; these loops only walk indices.
pub const MAX_RANK: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}
impl BinOp {
    /// The one table of op codes: the TS side asks for a code by name (`broadcast_op_code`),
    /// the names of the elementwise kernels and TS ops.
    const TABLE: [(BinOp, &'static str); 4] = [(BinOp::Add, "add"), (BinOp::Sub, "sub"), (BinOp::Mul, "mul"), (BinOp::Div, "div")];
    pub fn from_code(c: u32) -> Option<BinOp> {
        Self::TABLE.get(c as usize).map(|e| e.0)
    }
    pub fn code(name: &str) -> Option<u32> {
        Self::TABLE.iter().position(|e| e.1 == name).map(|i| i as u32)
    }
    #[inline(always)]
    fn apply(self, x: f32, y: f32) -> f32 {
        match self {
            BinOp::Add => x + y,
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            BinOp::Div => x / y,
        }
    }
}

/// Walks every index of `shape` (row-major), calling `f(flat_out, offset_a, offset_b)`.
/// The last axis is the inner loop, so contiguous data streams.
fn walk(shape: &[usize], sa: &[usize], sb: &[usize], mut f: impl FnMut(usize, usize, usize)) {
    let rank = shape.len();
    let total: usize = shape.iter().product();
    if total == 0 {
        return;
    }
    if rank == 0 {
        f(0, 0, 0);
        return;
    }
    let inner = shape[rank - 1];
    let (ia, ib) = (sa[rank - 1], sb[rank - 1]);
    let mut idx = [0usize; MAX_RANK];
    let (mut oa, mut ob) = (0usize, 0usize);
    let mut flat = 0;
    loop {
        for t in 0..inner {
            f(flat + t, oa + t * ia, ob + t * ib);
        }
        flat += inner;
        // Odometer increment of the outer axes.
        let mut ax = rank - 1;
        loop {
            if ax == 0 {
                return;
            }
            ax -= 1;
            idx[ax] += 1;
            oa += sa[ax];
            ob += sb[ax];
            if idx[ax] < shape[ax] {
                break;
            }
            oa -= sa[ax] * shape[ax];
            ob -= sb[ax] * shape[ax];
            idx[ax] = 0;
        }
    }
}

/// out[idx] = op(a[idx·sa], b[idx·sb]) over `shape`.
pub fn broadcast_binary(op: BinOp, a: &[f32], sa: &[usize], b: &[f32], sb: &[usize], out: &mut [f32], shape: &[usize]) {
    walk(shape, sa, sb, |o, ia, ib| out[o] = op.apply(a[ia], b[ib]));
}

/// dst[idx·sd] += src[idx] over `shape` (the shape of src): sums a gradient back onto the
/// smaller operand of a broadcast. `dst` must be zeroed (or hold what to add to).
pub fn reduce_broadcast(src: &[f32], dst: &mut [f32], sd: &[usize], shape: &[usize]) {
    let zeros = [0usize; MAX_RANK];
    walk(shape, sd, &zeros[..shape.len()], |o, id, _| dst[id] += src[o]);
}

/// out[idx] = src[idx·ss] — materialises a broadcast or a permutation (transpose) of src.
/// The general strided copy (offsets, any destination strides) is `layout::copy_strided`.
pub fn gather_strided(src: &[f32], ss: &[usize], out: &mut [f32], shape: &[usize]) {
    let sd = super::layout::contiguous_strides(shape);
    super::layout::copy_strided(src, 0, ss, out, 0, &sd[..shape.len()], shape);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_codes_round_trip_by_name() {
        for (name, op) in [("add", BinOp::Add), ("sub", BinOp::Sub), ("mul", BinOp::Mul), ("div", BinOp::Div)] {
            assert_eq!(BinOp::code(name).and_then(BinOp::from_code), Some(op), "{name}");
        }
        assert_eq!(BinOp::code("pow"), None);
        assert_eq!(BinOp::from_code(4), None);
    }

    #[test]
    fn broadcast_row_col_and_scalar() {
        // a: 2x3, b: 1x3 (row) → out 2x3
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [10.0, 20.0, 30.0];
        let mut out = [0.0; 6];
        broadcast_binary(BinOp::Add, &a, &[3, 1], &b, &[0, 1], &mut out, &[2, 3]);
        assert_eq!(out, [11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
        // b: 2x1 (column)
        let c = [100.0, 200.0];
        broadcast_binary(BinOp::Mul, &a, &[3, 1], &c, &[1, 0], &mut out, &[2, 3]);
        assert_eq!(out, [100.0, 200.0, 300.0, 800.0, 1000.0, 1200.0]);
        // scalar minus matrix, rank 3
        let s = [1.0];
        let mut out3 = [0.0; 6];
        broadcast_binary(BinOp::Sub, &s, &[0, 0, 0], &a, &[3, 3, 1], &mut out3, &[2, 1, 3]);
        assert_eq!(out3, [0.0, -1.0, -2.0, -3.0, -4.0, -5.0]);
    }

    #[test]
    fn reduce_and_gather_are_adjoint_of_broadcast() {
        let g = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut row = [0.0; 3];
        reduce_broadcast(&g, &mut row, &[0, 1], &[2, 3]);
        assert_eq!(row, [5.0, 7.0, 9.0]);
        let mut col = [0.0; 2];
        reduce_broadcast(&g, &mut col, &[1, 0], &[2, 3]);
        assert_eq!(col, [6.0, 15.0]);
        // transpose 2x3 -> 3x2 via strides of the source
        let mut t = [0.0; 6];
        gather_strided(&g, &[1, 3], &mut t, &[3, 2]);
        assert_eq!(t, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let mut empty: [f32; 0] = [];
        gather_strided(&g, &[1, 3], &mut empty, &[0, 2]);
    }
}
