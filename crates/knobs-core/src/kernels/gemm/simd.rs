//! The handful of 4-lane f32 operations the GEMM needs, in one place so that everything else
//! (packing, blocking, edge tiles) is the same code on the host and in wasm.
//!
//! - wasm32: SIMD128 intrinsics; with `+relaxed-simd`, `madd` is `f32x4.relaxed_madd`, which V8
//!   turns into a fused multiply-add (one instruction and one rounding instead of two).
//! - elsewhere: plain arrays, so `cargo test` on the host runs the same kernel logic.
//!
//! Loads and stores go through `&[f32; 4]` instead of raw pointers: the crate keeps all `unsafe`
//! in exports.rs, and LLVM turns these array copies into single `v128.load`/`v128.store`.

#[cfg(target_arch = "wasm32")]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct V(v128);

    #[inline(always)]
    pub fn zero() -> V {
        V(f32x4_splat(0.0))
    }
    #[inline(always)]
    pub fn splat(x: f32) -> V {
        V(f32x4_splat(x))
    }
    #[inline(always)]
    pub fn load(s: &[f32; 4]) -> V {
        V(f32x4(s[0], s[1], s[2], s[3]))
    }
    #[inline(always)]
    pub fn store(v: V, d: &mut [f32; 4]) {
        *d = [
            f32x4_extract_lane::<0>(v.0),
            f32x4_extract_lane::<1>(v.0),
            f32x4_extract_lane::<2>(v.0),
            f32x4_extract_lane::<3>(v.0),
        ];
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        V(f32x4_add(a.0, b.0))
    }
    /// a·b + c
    #[cfg(target_feature = "relaxed-simd")]
    #[inline(always)]
    pub fn madd(a: V, b: V, c: V) -> V {
        V(f32x4_relaxed_madd(a.0, b.0, c.0))
    }
    /// a·b + c
    #[cfg(not(target_feature = "relaxed-simd"))]
    #[inline(always)]
    pub fn madd(a: V, b: V, c: V) -> V {
        V(f32x4_add(f32x4_mul(a.0, b.0), c.0))
    }
    /// Rows in, columns out.
    #[inline(always)]
    pub fn transpose(r0: V, r1: V, r2: V, r3: V) -> [V; 4] {
        let t0 = i32x4_shuffle::<0, 4, 1, 5>(r0.0, r1.0);
        let t1 = i32x4_shuffle::<2, 6, 3, 7>(r0.0, r1.0);
        let t2 = i32x4_shuffle::<0, 4, 1, 5>(r2.0, r3.0);
        let t3 = i32x4_shuffle::<2, 6, 3, 7>(r2.0, r3.0);
        [
            V(i32x4_shuffle::<0, 1, 4, 5>(t0, t2)),
            V(i32x4_shuffle::<2, 3, 6, 7>(t0, t2)),
            V(i32x4_shuffle::<0, 1, 4, 5>(t1, t3)),
            V(i32x4_shuffle::<2, 3, 6, 7>(t1, t3)),
        ]
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct V([f32; 4]);

    #[inline(always)]
    pub fn zero() -> V {
        V([0.0; 4])
    }
    #[inline(always)]
    pub fn splat(x: f32) -> V {
        V([x; 4])
    }
    #[inline(always)]
    pub fn load(s: &[f32; 4]) -> V {
        V(*s)
    }
    #[inline(always)]
    pub fn store(v: V, d: &mut [f32; 4]) {
        *d = v.0;
    }
    #[inline(always)]
    pub fn add(a: V, b: V) -> V {
        V(core::array::from_fn(|i| a.0[i] + b.0[i]))
    }
    /// a·b + c, rounded twice like the SIMD128 build.
    #[inline(always)]
    pub fn madd(a: V, b: V, c: V) -> V {
        V(core::array::from_fn(|i| a.0[i] * b.0[i] + c.0[i]))
    }
    /// Rows in, columns out.
    #[inline(always)]
    pub fn transpose(r0: V, r1: V, r2: V, r3: V) -> [V; 4] {
        let r = [r0.0, r1.0, r2.0, r3.0];
        core::array::from_fn(|j| V(core::array::from_fn(|i| r[i][j])))
    }
}

pub use imp::*;

/// Four floats on a 16-byte boundary, the unit of the packed buffers: no vector load of a
/// packed strip straddles a cache line.
#[derive(Clone, Copy, Default)]
#[repr(C, align(16))]
pub struct Quad(pub [f32; 4]);
