//! Pure kernels on slices. Outputs never alias inputs unless the name says so (`*_inplace`).
pub mod activations;
pub mod broadcast;
pub mod dense;
pub mod distance;
pub mod elementwise;
mod gemm;
pub mod par;
pub mod losses;
pub mod matmul;
pub mod optim;
pub mod random;
pub mod reduce;
pub mod word2vec;

#[cfg(test)]
pub(crate) mod testutil;
