//! Pure kernels on slices. Outputs never alias inputs unless the name says so (`*_inplace`).
pub mod activations;
pub mod attention;
pub mod broadcast;
pub mod clip;
pub mod conv;
mod conv_channels;
mod conv_direct;
pub mod dense;
pub mod dense_pair;
pub mod distance;
pub mod elementwise;
pub mod index;
mod gemm;
pub mod init;
mod lanes;
pub mod layout;
pub mod par;
pub mod losses;
pub mod matmul;
pub mod matmul_batched;
pub mod optim;
pub mod optim_foreach;
pub mod program;
pub mod random;
pub mod reduce;
pub mod reduce_axis;
pub mod rnn;
pub mod sparse;
pub mod unary;
mod vmath;
mod winograd;
pub mod word2vec;

#[cfg(test)]
pub(crate) mod testutil;
