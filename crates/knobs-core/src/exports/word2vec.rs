//! word2vec's export. Token ids, sentence ends, keep thresholds and the cumulative negative table
//! are u32 arrays that the TS side keeps in wasm memory (allocated as f32 blocks of the same
//! size), so a training call copies nothing; only the 64-bit RNG state goes in and out by value.
use super::sm;
use crate::kernels::word2vec as w2v;
use wasm_bindgen::prelude::*;

/// # Safety: as `s`, for `n` u32 (4-byte aligned: the TS side allocates them with alloc_f32).
#[inline(always)]
unsafe fn su<'a>(p: usize, n: usize) -> &'a [u32] {
    if n == 0 { &[] } else { core::slice::from_raw_parts(p as *const u32, n) }
}

/// Trains on sentences `ends[0..n_ends]` of `tokens[0..n_tokens]` (the first starting at `start`);
/// `rng` is [lo, hi] of the state, updated. Returns the words trained after subsampling.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn word2vec_train(
    tokens: usize, n_tokens: usize, start: usize, ends: usize, n_ends: usize, sample_int: usize,
    cum_table: usize, vocab: usize, syn0: usize, syn1neg: usize, dim: usize, window: usize,
    negative: usize, sg: bool, cbow_mean: bool, alpha: f32, rng: &mut [u32],
) -> usize {
    let p = w2v::Word2VecParams { dim, window, negative, sg, cbow_mean, alpha };
    let mut state = (rng[1] as u64) << 32 | rng[0] as u64;
    // SAFETY: the TS side sized every block as passed and keeps syn0 and syn1neg apart.
    let n = unsafe {
        w2v::word2vec_train(
            su(tokens, n_tokens), start, su(ends, n_ends), su(sample_int, vocab), su(cum_table, vocab),
            sm(syn0, vocab * dim), sm(syn1neg, vocab * dim), &p, &mut state,
        )
    };
    rng[0] = state as u32;
    rng[1] = (state >> 32) as u32;
    n
}

/// Hogwild word2vec on `lanes` threads of the pool (kernels/word2vec.rs): `jobs` holds `n_jobs`
/// jobs of five u32 each — first sentence, end sentence (exclusive), the learning rate's f32
/// bits, the RNG state's low and high words — over the sentences `ends[0..n_ends]` of
/// `tokens[0..n_tokens]`. `lane_words` (one per lane) receives the words each lane trained after
/// subsampling; returns their sum.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn word2vec_train_hogwild(
    tokens: usize, n_tokens: usize, ends: usize, n_ends: usize, jobs: usize, n_jobs: usize, sample_int: usize,
    cum_table: usize, vocab: usize, syn0: usize, syn1neg: usize, dim: usize, window: usize,
    negative: usize, sg: bool, cbow_mean: bool, lane_words: &mut [u32],
) -> usize {
    let p = w2v::Word2VecParams { dim, window, negative, sg, cbow_mean, alpha: 0.0 };
    // SAFETY: the TS side sized every block as passed and keeps syn0 and syn1neg apart.
    unsafe {
        let jobs: Vec<w2v::Job> = su(jobs, 5 * n_jobs)
            .chunks_exact(5)
            .map(|j| w2v::Job { first: j[0] as usize, last: j[1] as usize, alpha: f32::from_bits(j[2]), rng: (j[4] as u64) << 32 | j[3] as u64 })
            .collect();
        let per_lane = w2v::word2vec_train_hogwild(
            su(tokens, n_tokens), su(ends, n_ends), &jobs, su(sample_int, vocab), su(cum_table, vocab),
            sm(syn0, vocab * dim), sm(syn1neg, vocab * dim), &p, lane_words.len(),
        );
        lane_words.fill(0);
        for (o, n) in lane_words.iter_mut().zip(&per_lane) {
            *o = *n as u32;
        }
        per_lane.iter().sum()
    }
}
