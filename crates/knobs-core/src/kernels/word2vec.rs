//! word2vec training with negative sampling (skip-gram and CBOW): the whole cost of `Word2Vec`.
//!
//! The update follows gensim's `word2vec_inner.pyx` (itself word2vec.c) step for step, so the two
//! libraries do the same work per word: the same LCG for random numbers, subsampling by a per-word
//! 32-bit keep threshold, the reduced window drawn per word, negatives drawn by bisecting the
//! cumulative unigram^0.75 table, a sigmoid table, and dot products skipped when they saturate.
//! Everything random comes from `rng`, which the caller keeps between calls: one thread is
//! deterministic for a given seed. `word2vec_train_hogwild` runs jobs of sentences on the thread
//! pool, sharing the weights without locks.

use super::lanes::{add, load, mul, splat, store, zero};
use super::par::{self, SharedF32, SharedRow};
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// word2vec.c's constants: the sigmoid is tabulated on [−MAX_EXP, MAX_EXP].
pub const MAX_EXP: f32 = 6.0;
pub const EXP_TABLE_SIZE: usize = 1000;

/// The rows of `syn0`/`syn1neg` are `dim` wide; `window` is the largest distance to a context word.
#[derive(Clone, Copy, Debug)]
pub struct Word2VecParams {
    pub dim: usize,
    pub window: usize,
    pub negative: usize,
    /// true: skip-gram (each context word predicts the centre); false: CBOW.
    pub sg: bool,
    /// CBOW only: average the context vectors (gensim's cbow_mean=1) instead of summing them.
    pub cbow_mean: bool,
    pub alpha: f32,
}

/// σ(x) at EXP_TABLE_SIZE points of [−MAX_EXP, MAX_EXP), as word2vec.c builds it.
pub fn exp_table() -> Vec<f32> {
    (0..EXP_TABLE_SIZE)
        .map(|i| {
            let e = (((i as f32) / EXP_TABLE_SIZE as f32 * 2.0 - 1.0) * MAX_EXP).exp();
            e / (e + 1.0)
        })
        .collect()
}

/// The 48-bit LCG of word2vec.c and gensim (java.util.Random's constants).
#[inline(always)]
fn lcg(r: u64) -> u64 {
    r.wrapping_mul(25_214_903_917).wrapping_add(11) & 0xFFFF_FFFF_FFFF
}
/// gensim's random_int32: the 32 bits of the state above the low 16, then advance.
#[inline(always)]
fn random_int32(r: &mut u64) -> u32 {
    let v = (*r >> 16) as u32;
    *r = lcg(*r);
    v
}
/// Index of the first entry ≥ x (Python's bisect_left).
#[inline(always)]
fn bisect_left(a: &[u32], x: u32) -> usize {
    a.partition_point(|&v| v < x)
}

/// The cumulative unigram^0.75 table with a guide for drawing from it: `guide[b]` is
/// `bisect_left(cum, b << shift)`, so a draw `x` of bucket `x >> shift` lies between
/// `guide[b]` and `guide[b + 1]` and the bisect runs over those few entries instead of the whole
/// vocabulary (~14 dependent loads for 11k words). It returns `bisect_left(cum, x)` exactly, so
/// the negatives (and the bits) are those of the plain bisect; buckets hold equal shares of the
/// draws, so with about two per word a draw's bucket spans one or two words.
pub struct NegTable<'a> {
    cum: &'a [u32],
    guide: Vec<u32>,
    shift: u32,
    total: u64,
}
impl<'a> NegTable<'a> {
    /// `cum` non-empty, non-decreasing, ending at its total (> 0).
    pub fn new(cum: &'a [u32]) -> Self {
        let total = *cum.last().unwrap();
        let mut shift = 0;
        while (total >> shift) as usize > 2 * cum.len() {
            shift += 1;
        }
        let buckets = (total >> shift) as usize + 1;
        let mut guide = Vec::with_capacity(buckets + 1);
        let mut t = 0usize;
        for b in 0..=buckets as u64 {
            let x = b << shift;
            while t < cum.len() && (cum[t] as u64) < x {
                t += 1;
            }
            guide.push(t as u32);
        }
        NegTable { cum, guide, shift, total: total as u64 }
    }
    /// `bisect_left(cum, x)` for x < total.
    #[inline(always)]
    fn find(&self, x: u32) -> usize {
        let b = (x >> self.shift) as usize;
        let lo = self.guide[b] as usize;
        // x < total = the last entry, so the answer is at most the last index.
        let hi = (self.guide[b + 1] as usize).min(self.cum.len() - 1);
        lo + bisect_left(&self.cum[lo..hi], x)
    }
    /// The negative for the LCG state `r` (gensim's `bisect_left(cum, (r >> 16) % total)`).
    #[inline(always)]
    fn draw(&self, r: u64) -> usize {
        self.find(((r >> 16) % self.total) as u32)
    }
}

/// A row that `dot` and `axpy` read and write four floats at a time: a thread's own slice, or a
/// Hogwild lane's view of a shared row (`par::SharedRow`: one volatile access per four floats).
pub trait Lanes4 {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn get4(&self, i: usize) -> [f32; 4];
    fn get(&self, i: usize) -> f32;
}
pub trait Lanes4Mut: Lanes4 {
    fn set4(&mut self, i: usize, v: [f32; 4]);
    fn set(&mut self, i: usize, v: f32);
}
impl Lanes4 for [f32] {
    #[inline(always)]
    fn len(&self) -> usize {
        <[f32]>::len(self)
    }
    #[inline(always)]
    fn get4(&self, i: usize) -> [f32; 4] {
        self[i..i + 4].try_into().unwrap()
    }
    #[inline(always)]
    fn get(&self, i: usize) -> f32 {
        self[i]
    }
}
impl Lanes4Mut for [f32] {
    #[inline(always)]
    fn set4(&mut self, i: usize, v: [f32; 4]) {
        self[i..i + 4].copy_from_slice(&v);
    }
    #[inline(always)]
    fn set(&mut self, i: usize, v: f32) {
        self[i] = v;
    }
}
impl Lanes4 for SharedRow<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        SharedRow::len(self)
    }
    #[inline(always)]
    fn get4(&self, i: usize) -> [f32; 4] {
        self.load4(i)
    }
    #[inline(always)]
    fn get(&self, i: usize) -> f32 {
        self.load(i)
    }
}
impl Lanes4Mut for SharedRow<'_> {
    #[inline(always)]
    fn set4(&mut self, i: usize, v: [f32; 4]) {
        self.store4(i, v)
    }
    #[inline(always)]
    fn set(&mut self, i: usize, v: f32) {
        self.store(i, v)
    }
}

/// a · b with four running sums, added pairwise at the end.
#[inline(always)]
pub fn dot<A: Lanes4 + ?Sized, B: Lanes4 + ?Sized>(a: &A, b: &B) -> f32 {
    let n = a.len();
    assert_eq!(b.len(), n);
    let n4 = n & !3;
    let mut acc = zero();
    for i in (0..n4).step_by(4) {
        acc = add(acc, mul(load(&a.get4(i)), load(&b.get4(i))));
    }
    let mut l = [0.0f32; 4];
    store(acc, &mut l);
    let mut s = (l[0] + l[1]) + (l[2] + l[3]);
    for i in n4..n {
        s += a.get(i) * b.get(i);
    }
    s
}
/// y += g · x
#[inline(always)]
pub fn axpy<X: Lanes4 + ?Sized, Y: Lanes4Mut + ?Sized>(g: f32, x: &X, y: &mut Y) {
    let n = x.len();
    assert_eq!(y.len(), n);
    let n4 = n & !3;
    let gv = splat(g);
    for i in (0..n4).step_by(4) {
        let mut v = [0.0f32; 4];
        store(add(load(&y.get4(i)), mul(gv, load(&x.get4(i)))), &mut v);
        y.set4(i, v);
    }
    for i in n4..n {
        y.set(i, y.get(i) + g * x.get(i));
    }
}
/// work += g · row, then row += g · h, in one pass over the row: an output row's two updates in
/// negative sampling, each element of `work` taking the row's value before its update (the bits
/// of the two `axpy` calls in that order, one read of the row instead of two).
#[inline(always)]
pub fn axpy_both<H: Lanes4 + ?Sized, R: Lanes4Mut + ?Sized>(g: f32, h: &H, row: &mut R, work: &mut [f32]) {
    let n = h.len();
    assert!(row.len() == n && work.len() == n);
    let n4 = n & !3;
    let gv = splat(g);
    for i in (0..n4).step_by(4) {
        let r = load(&row.get4(i));
        let (mut w, mut o) = ([0.0f32; 4], [0.0f32; 4]);
        store(add(load(&work.get4(i)), mul(gv, r)), &mut w);
        store(add(r, mul(gv, load(&h.get4(i)))), &mut o);
        work.set4(i, w);
        row.set4(i, o);
    }
    for (i, w) in work.iter_mut().enumerate().skip(n4) {
        let r = row.get(i);
        *w += g * r;
        row.set(i, r + g * h.get(i));
    }
}

/// Offsets in a row of `len` floats with one in every 64-byte line the row covers, whatever its
/// alignment: every 16th float and the last.
fn line_probes(len: usize) -> impl Iterator<Item = usize> {
    (0..len).step_by(16).chain(len.checked_sub(1))
}

/// Where the weight rows live, so that one loop serves both callers: `[f32]` is one thread's
/// exclusive borrow; `&SharedF32` is a Hogwild lane's view of rows that other threads change at
/// the same time (`par::SharedF32` says how that is sound). Both work on the rows in place with
/// the same `dot`/`axpy`, so one lane computes the bits one thread does.
pub trait Rows {
    /// out = the row at `start`.
    fn read_row(&self, start: usize, out: &mut [f32]);
    /// x · the row at `start` (x.len() wide).
    fn dot_row(&self, start: usize, x: &[f32]) -> f32;
    /// y += g · the row at `start`.
    fn row_axpy(&self, start: usize, g: f32, y: &mut [f32]);
    /// the row at `start` += g · x.
    fn axpy_row(&mut self, start: usize, g: f32, x: &[f32]);
    /// `axpy_both` on the row at `start`.
    fn axpy_both_row(&mut self, start: usize, g: f32, h: &[f32], work: &mut [f32]);
    /// The sum of one float of every 64-byte line of the row at `start` (`len` wide): reads
    /// that bring the row into the cache ahead of its use (see `negative_sampling`).
    #[inline(always)]
    fn touch_row(&self, start: usize, len: usize) -> f32 {
        line_probes(len).map(|i| self.get_one(start + i)).sum()
    }
    /// The float at `i`.
    fn get_one(&self, i: usize) -> f32;
}
// Not a closure-taking `update_row(start, f)`: with it the one-thread path ran 10–14% slower in
// wasm (words per CPU second, Moby Dick).
impl Rows for [f32] {
    #[inline(always)]
    fn read_row(&self, start: usize, out: &mut [f32]) {
        out.copy_from_slice(&self[start..start + out.len()]);
    }
    #[inline(always)]
    fn dot_row(&self, start: usize, x: &[f32]) -> f32 {
        dot(x, &self[start..start + x.len()])
    }
    #[inline(always)]
    fn row_axpy(&self, start: usize, g: f32, y: &mut [f32]) {
        axpy(g, &self[start..start + y.len()], y)
    }
    #[inline(always)]
    fn axpy_row(&mut self, start: usize, g: f32, x: &[f32]) {
        axpy(g, x, &mut self[start..start + x.len()])
    }
    #[inline(always)]
    fn axpy_both_row(&mut self, start: usize, g: f32, h: &[f32], work: &mut [f32]) {
        axpy_both(g, h, &mut self[start..start + h.len()], work)
    }
    #[inline(always)]
    fn get_one(&self, i: usize) -> f32 {
        self[i]
    }
}
impl Rows for &SharedF32<'_> {
    #[inline(always)]
    fn read_row(&self, start: usize, out: &mut [f32]) {
        let row = self.row(start, out.len());
        let n4 = out.len() & !3;
        for i in (0..n4).step_by(4) {
            out.set4(i, row.load4(i));
        }
        for (i, o) in out.iter_mut().enumerate().skip(n4) {
            *o = row.load(i);
        }
    }
    #[inline(always)]
    fn dot_row(&self, start: usize, x: &[f32]) -> f32 {
        dot(x, &self.row(start, x.len()))
    }
    #[inline(always)]
    fn row_axpy(&self, start: usize, g: f32, y: &mut [f32]) {
        axpy(g, &self.row(start, y.len()), y)
    }
    #[inline(always)]
    fn axpy_row(&mut self, start: usize, g: f32, x: &[f32]) {
        axpy(g, x, &mut self.row(start, x.len()))
    }
    #[inline(always)]
    fn axpy_both_row(&mut self, start: usize, g: f32, h: &[f32], work: &mut [f32]) {
        axpy_both(g, h, &mut self.row(start, h.len()), work)
    }
    #[inline(always)]
    fn get_one(&self, i: usize) -> f32 {
        self.row(i, 1).load(0)
    }
}

/// A thread's buffers: the centre's hidden vector, its gradient, a sentence.
struct Scratch {
    h: Vec<f32>,
    work: Vec<f32>,
    kept: Vec<u32>,
    reduced: Vec<usize>,
}
impl Scratch {
    fn new(dim: usize) -> Self {
        Scratch { h: vec![0.0; dim], work: vec![0.0; dim], kept: Vec::new(), reduced: Vec::new() }
    }
}

/// Targets of one pair whose rows `negative_sampling` touches before it updates any of them.
const AHEAD: usize = 8;

/// One positive and `negative` sampled outputs for the hidden vector `h`: updates the output rows
/// in `syn1neg` and accumulates the gradient for `h` into `work`. Returns the advanced RNG.
///
/// The targets are drawn AHEAD at a time and their rows touched (one read per cache line) before
/// the first is used. The draws do not depend on the updates, so this is the same arithmetic in the
/// same order (the same bits); what changes is that the rows, scattered over megabytes of `syn1neg`
/// and mostly outside the core's caches (and under Hogwild often just written by the other
/// thread), arrive together instead of one miss at a time after each dot product. wasm has no
/// prefetch instruction, so the touch is a read (`Rows::touch_row`). Measured on the State of the
/// Union skip-gram: one thread +21% words per CPU second, the Hogwild pool +6–15% (README).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn negative_sampling<R: Rows + ?Sized>(
    word: usize, h: &[f32], work: &mut [f32], syn1neg: &mut R, neg: &NegTable,
    negative: usize, alpha: f32, table: &[f32], mut rng: u64,
) -> u64 {
    let dim = h.len();
    // (target, label); a negative that is the word itself is skipped, as gensim does.
    let mut ahead = [(usize::MAX, 0.0f32); AHEAD];
    let mut d = 0;
    while d <= negative {
        let n = AHEAD.min(negative + 1 - d);
        let mut touched = 0.0f32;
        for a in ahead[..n].iter_mut() {
            *a = if d == 0 {
                (word, 1.0)
            } else {
                let t = neg.draw(rng);
                rng = lcg(rng);
                (if t == word { usize::MAX } else { t }, 0.0)
            };
            d += 1;
            if a.0 != usize::MAX {
                touched += syn1neg.touch_row(a.0 * dim, dim);
            }
        }
        // The touches' value is never needed, only their loads.
        core::hint::black_box(touched);
        for &(target, label) in &ahead[..n] {
            if target == usize::MAX {
                continue;
            }
            let start = target * dim;
            let f = syn1neg.dot_row(start, h);
            // gensim skips a saturated pair entirely (word2vec.c instead takes σ = 0 or 1).
            if f <= -MAX_EXP || f >= MAX_EXP {
                continue;
            }
            let s = table[((f + MAX_EXP) * (EXP_TABLE_SIZE as f32 / MAX_EXP / 2.0)) as usize];
            let g = (label - s) * alpha;
            syn1neg.axpy_both_row(start, g, h, work);
        }
    }
    rng
}

/// The sentences of `tokens` that end at `ends`, the first starting at `start` (see `word2vec_train`).
/// Never inlined: a Hogwild lane calls it once per job, and V8 swaps a wasm function's baseline
/// code for optimised code only at a call, never inside a running loop — inlined into the lane,
/// a whole epoch ran on baseline code (one call per epoch: 110k words per CPU second against 310k).
#[inline(never)]
#[allow(clippy::too_many_arguments)]
fn train_sentences<R: Rows + ?Sized>(
    tokens: &[u32], start: usize, ends: &[u32], sample_int: &[u32], neg: &NegTable, syn0: &mut R, syn1neg: &mut R,
    p: &Word2VecParams, table: &[f32], h: &mut [f32], work: &mut [f32], kept: &mut Vec<u32>,
    reduced: &mut Vec<usize>, rng: &mut u64,
) -> usize {
    let dim = p.dim;
    // Rows of a known common length, so the bounds checks inside dot/axpy fold away.
    let (h, work) = (&mut h[..dim], &mut work[..dim]);
    let mut r = *rng;
    let mut trained = 0usize;
    let mut s0 = start;
    for &end in ends {
        let end = end as usize;
        kept.clear();
        for &w in &tokens[s0..end] {
            if sample_int[w as usize] >= random_int32(&mut r) {
                kept.push(w);
            }
        }
        s0 = end;
        reduced.clear();
        for _ in 0..kept.len() {
            reduced.push(random_int32(&mut r) as usize % p.window.max(1));
        }
        let n = kept.len();
        for i in 0..n {
            let b = reduced[i];
            let lo = (i + b).saturating_sub(p.window);
            let hi = (i + p.window + 1 - b).min(n);
            let word = kept[i] as usize;
            if p.sg {
                for j in lo..hi {
                    if j == i {
                        continue;
                    }
                    let c = kept[j] as usize;
                    work.iter_mut().for_each(|v| *v = 0.0);
                    syn0.read_row(c * dim, h);
                    r = negative_sampling(word, h, work, syn1neg, neg, p.negative, p.alpha, table, r);
                    // syn0 and syn1neg are apart, so the row read into h is unchanged by this
                    // thread meanwhile (another thread's write in between survives: Hogwild).
                    syn0.axpy_row(c * dim, 1.0, work);
                }
            } else {
                h.iter_mut().for_each(|v| *v = 0.0);
                let mut count = 0usize;
                for j in lo..hi {
                    if j != i {
                        let c = kept[j] as usize;
                        syn0.row_axpy(c * dim, 1.0, h);
                        count += 1;
                    }
                }
                if count == 0 {
                    continue;
                }
                if p.cbow_mean {
                    let inv = 1.0 / count as f32;
                    h.iter_mut().for_each(|v| *v *= inv);
                }
                work.iter_mut().for_each(|v| *v = 0.0);
                r = negative_sampling(word, h, work, syn1neg, neg, p.negative, p.alpha, table, r);
                if !p.cbow_mean {
                    // gensim divides the error of a sum over its words (and leaves a mean's alone).
                    let inv = 1.0 / count as f32;
                    work.iter_mut().for_each(|v| *v *= inv);
                }
                for j in lo..hi {
                    if j != i {
                        let c = kept[j] as usize;
                        syn0.axpy_row(c * dim, 1.0, work);
                    }
                }
            }
        }
        trained += n;
    }
    *rng = r;
    trained
}

/// Trains on the sentences of `tokens` that end at `ends` (exclusive, increasing; the first starts
/// at `start`). Each sentence loses its subsampled words first (a word is kept when its
/// `sample_int` ≥ a fresh 32-bit draw, so 2^32−1 means always), then every remaining word is a
/// centre with a window shrunk by a random amount. `cum_table` is the cumulative unigram^0.75
/// distribution over the vocabulary, ending at its total. Returns the words trained (kept
/// after subsampling). Ids must be < vocabulary size; the caller checks. One thread, on the rows
/// in place: the loop of `word2vec_train_hogwild`'s lanes, so the two agree to the bit (the test
/// `hogwild_with_one_job_on_one_lane_is_word2vec_train`).
#[allow(clippy::too_many_arguments)]
pub fn word2vec_train(
    tokens: &[u32], start: usize, ends: &[u32], sample_int: &[u32], cum_table: &[u32],
    syn0: &mut [f32], syn1neg: &mut [f32], p: &Word2VecParams, rng: &mut u64,
) -> usize {
    let table = exp_table();
    let neg = NegTable::new(cum_table);
    let mut sc = Scratch::new(p.dim);
    let Scratch { h, work, kept, reduced } = &mut sc;
    train_sentences(tokens, start, ends, sample_int, &neg, syn0, syn1neg, p, &table, h, work, kept, reduced, rng)
}

/// One job of a Hogwild run: sentences `first..last` of `ends`, trained at one learning rate
/// with an RNG stream of its own.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    pub first: usize,
    pub last: usize,
    pub alpha: f32,
    pub rng: u64,
}

/// Hogwild word2vec: `lanes` threads of the pool take the jobs in order from a shared counter
/// (gensim's job queue: a thread that finishes early takes the next job, so a slow or
/// descheduled thread delays no one) and update `syn0`/`syn1neg` without locks. A job is the same
/// work whichever thread runs it — its sentences, its rate, its RNG stream — so one lane gives
/// the same bits on every run; with more, the updates interleave as the threads happen to run
/// and only the statistics are reproducible. `p.alpha` is unused (each job has its own).
/// Returns the words each lane trained after subsampling (two lanes with words ran at the same
/// time: a lane stops only when the jobs run out).
#[allow(clippy::too_many_arguments)]
pub fn word2vec_train_hogwild(
    tokens: &[u32], ends: &[u32], jobs: &[Job], sample_int: &[u32], cum_table: &[u32],
    syn0: &mut [f32], syn1neg: &mut [f32], p: &Word2VecParams, lanes: usize,
) -> Vec<usize> {
    let table = exp_table();
    let neg = NegTable::new(cum_table);
    let (syn0, syn1neg) = (SharedF32::new(syn0), SharedF32::new(syn1neg));
    let next = AtomicUsize::new(0);
    let mut trained = vec![0usize; lanes.clamp(1, jobs.len().max(1))];
    par::for_each_mut(&mut trained, &|n: &mut usize| {
        let mut sc = Scratch::new(p.dim);
        let Scratch { h, work, kept, reduced } = &mut sc;
        loop {
            let j = next.fetch_add(1, Relaxed);
            let Some(job) = jobs.get(j) else { break };
            let start = if job.first == 0 { 0 } else { ends[job.first - 1] as usize };
            let pj = Word2VecParams { alpha: job.alpha, ..*p };
            let mut rng = job.rng;
            let (mut s0, mut s1) = (&syn0, &syn1neg);
            *n += train_sentences(tokens, start, &ends[job.first..job.last], sample_int, &neg, &mut s0, &mut s1, &pj, &table, h, work, kept, reduced, &mut rng);
        }
    });
    trained
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::testutil::{assert_close, rand_vec, Lcg};

    /// One skip-gram pair written out plainly in f64 with an exact sigmoid: the kernel must match
    /// it to table precision, with the same negatives drawn in the same order.
    fn naive_pair(center: usize, ctx: usize, negs: &[usize], syn0: &mut [f32], syn1: &mut [f32], dim: usize, alpha: f64) {
        let h: Vec<f64> = syn0[ctx * dim..(ctx + 1) * dim].iter().map(|&v| v as f64).collect();
        let mut e = vec![0.0f64; dim];
        let mut targets = vec![(center, 1.0)];
        targets.extend(negs.iter().filter(|&&t| t != center).map(|&t| (t, 0.0)));
        for (t, label) in targets {
            let row: Vec<f64> = syn1[t * dim..(t + 1) * dim].iter().map(|&v| v as f64).collect();
            let f: f64 = h.iter().zip(&row).map(|(a, b)| a * b).sum();
            if f.abs() >= MAX_EXP as f64 {
                continue;
            }
            let g = (label - 1.0 / (1.0 + (-f).exp())) * alpha;
            for k in 0..dim {
                e[k] += g * row[k];
                syn1[t * dim + k] += (g * h[k]) as f32;
            }
        }
        for k in 0..dim {
            syn0[ctx * dim + k] += e[k] as f32;
        }
    }

    /// The negatives the kernel draws for one pair, replayed from the same RNG state.
    fn draws(r: &mut u64, cum: &[u32], negative: usize) -> Vec<usize> {
        (0..negative)
            .map(|_| {
                let t = bisect_left(cum, ((*r >> 16) % *cum.last().unwrap() as u64) as u32);
                *r = lcg(*r);
                t
            })
            .collect()
    }

    #[test]
    fn neg_table_finds_what_bisect_finds() {
        let mut g = Lcg(7);
        // Zipf-like counts with repeats (words of equal weight), one-word and tiny tables, and
        // a total near u32::MAX (gensim scales the table to 2^32 − 1).
        let mut tables: Vec<Vec<u32>> = vec![vec![1], vec![5], vec![0, 3], vec![2, 2, 2, 9]];
        for (v, scale) in [(50usize, 1.0f64), (1000, 1.0), (3000, 4.0e9)] {
            let w: Vec<f64> = (0..v).map(|i| (1.0 / (i as f64 + 1.0)).powf(0.75) * (1.5 + g.next_f32() as f64)).collect();
            let sum: f64 = w.iter().sum();
            let mut acc = 0.0;
            let unit = if scale > 1.0 { scale / sum } else { 1e6 / sum };
            tables.push(w.iter().map(|x| { acc += x; (acc * unit).round() as u32 }).collect());
        }
        for cum in &tables {
            let neg = NegTable::new(cum);
            let total = *cum.last().unwrap();
            let check = |x: u32| assert_eq!(neg.find(x), bisect_left(cum, x), "x {x} of total {total}");
            for &c in cum {
                for x in [c.saturating_sub(1), c, c + 1] {
                    if x < total {
                        check(x);
                    }
                }
            }
            (0..total.min(5000)).for_each(check);
            (0..20_000).for_each(|_| {
                g.next_f32();
                check((g.0 >> 32) as u32 % total)
            });
            check(total - 1);
        }
    }

    #[test]
    fn line_probes_touch_every_cache_line_of_a_row() {
        assert_eq!(line_probes(0).count(), 0);
        for len in 1..70 {
            for align in 0..16 {
                let probes: Vec<usize> = line_probes(len).collect();
                assert!(probes.iter().all(|&i| i < len), "len {len}");
                // The lines (16 floats) that floats align..align+len fall on.
                for line in (align / 16)..(align + len).div_ceil(16) {
                    assert!(probes.iter().any(|&i| (align + i) / 16 == line), "len {len} align {align}: line {line} untouched");
                }
            }
        }
    }

    #[test]
    fn one_skipgram_step_matches_naive() {
        one_skipgram_step_matches_naive_with(5);
        // More negatives than negative_sampling draws ahead at a time.
        one_skipgram_step_matches_naive_with(2 * AHEAD + 3);
    }

    fn one_skipgram_step_matches_naive_with(negative: usize) {
        let (v, dim) = (7, 10);
        let mut g = Lcg(3);
        let syn0 = rand_vec(&mut g, v * dim);
        let syn1 = rand_vec(&mut g, v * dim).iter().map(|x| x * 0.3).collect::<Vec<_>>();
        let cum: Vec<u32> = (1..=v as u32).map(|i| i * i * 1000).collect();
        let keep = vec![u32::MAX; v];
        // A two-word sentence, window 1: exactly the pairs (ctx 4 → centre 2) then (ctx 2 → centre 4).
        let tokens = [2u32, 4];
        let p = Word2VecParams { dim, window: 1, negative, sg: true, cbow_mean: true, alpha: 0.05 };
        let (mut a0, mut a1, mut rng) = (syn0.clone(), syn1.clone(), 12345u64);
        let trained = word2vec_train(&tokens, 0, &[2], &keep, &cum, &mut a0, &mut a1, &p, &mut rng);
        assert_eq!(trained, 2);

        let (mut b0, mut b1, mut r) = (syn0.clone(), syn1.clone(), 12345u64);
        for _ in 0..2 {
            random_int32(&mut r); // the subsampling draws (both words kept)
        }
        for _ in 0..2 {
            random_int32(&mut r); // the reduced windows (0 for window 1)
        }
        let n1 = draws(&mut r, &cum, negative);
        naive_pair(2, 4, &n1, &mut b0, &mut b1, dim, 0.05);
        let n2 = draws(&mut r, &cum, negative);
        naive_pair(4, 2, &n2, &mut b0, &mut b1, dim, 0.05);
        assert_eq!(rng, r, "the kernel and the replay consumed different random numbers");
        // The table quantises σ to steps of 0.006 in x: errors up to alpha · 0.0015 per term.
        assert_close(&a0, &b0, 2e-3, "syn0");
        assert_close(&a1, &b1, 2e-3, "syn1neg");
        assert_ne!(a0, syn0, "the step changed nothing");
        // Untouched rows stay untouched.
        assert_eq!(a0[0..dim], syn0[0..dim]);
    }

    #[test]
    fn one_cbow_step_matches_naive() {
        let (v, dim, negative) = (6, 9, 3);
        let mut g = Lcg(8);
        let syn0 = rand_vec(&mut g, v * dim);
        let syn1 = rand_vec(&mut g, v * dim).iter().map(|x| x * 0.3).collect::<Vec<_>>();
        let cum: Vec<u32> = (1..=v as u32).map(|i| i * 777).collect();
        let keep = vec![u32::MAX; v];
        // Three words, window 1, centre 1 sees 0 and 2; centres 0 and 2 see word 1 only.
        let tokens = [0u32, 1, 5];
        let p = Word2VecParams { dim, window: 1, negative, sg: false, cbow_mean: true, alpha: 0.03 };
        let (mut a0, mut a1, mut rng) = (syn0.clone(), syn1.clone(), 99u64);
        word2vec_train(&tokens, 0, &[3], &keep, &cum, &mut a0, &mut a1, &p, &mut rng);

        let (mut b0, mut b1, mut r) = (syn0.clone(), syn1.clone(), 99u64);
        for _ in 0..6 {
            random_int32(&mut r);
        }
        let ctx_of = [vec![1usize], vec![0, 5], vec![1]];
        for (i, &centre) in tokens.iter().enumerate() {
            let ctx = &ctx_of[i];
            let n = ctx.len() as f64;
            let h: Vec<f64> = (0..dim).map(|k| ctx.iter().map(|&c| b0[c * dim + k] as f64).sum::<f64>() / n).collect();
            let negs = draws(&mut r, &cum, negative);
            let mut e = vec![0.0f64; dim];
            let mut targets = vec![(centre as usize, 1.0)];
            targets.extend(negs.iter().filter(|&&t| t != centre as usize).map(|&t| (t, 0.0)));
            for (t, label) in targets {
                let f: f64 = (0..dim).map(|k| h[k] * b1[t * dim + k] as f64).sum();
                if f.abs() >= MAX_EXP as f64 {
                    continue;
                }
                let gg = (label - 1.0 / (1.0 + (-f).exp())) * 0.03;
                for k in 0..dim {
                    e[k] += gg * b1[t * dim + k] as f64;
                    b1[t * dim + k] += (gg * h[k]) as f32;
                }
            }
            for &c in ctx {
                for k in 0..dim {
                    b0[c * dim + k] += e[k] as f32; // cbow_mean: the error is not divided
                }
            }
        }
        assert_eq!(rng, r);
        assert_close(&a0, &b0, 2e-3, "syn0");
        assert_close(&a1, &b1, 2e-3, "syn1neg");
        assert_ne!(a1, syn1);
    }

    #[test]
    fn subsampling_drops_words_with_zero_threshold() {
        let (v, dim) = (4, 4);
        let mut g = Lcg(1);
        let syn0 = rand_vec(&mut g, v * dim);
        let cum = vec![1u32, 2, 3, 4];
        // Word 3 is never kept: a threshold of 0 loses to any draw but 0 (none here: the state is not small).
        let keep = vec![u32::MAX, u32::MAX, u32::MAX, 0];
        let tokens = [3u32, 3, 3, 0, 1, 3, 2];
        let p = Word2VecParams { dim, window: 2, negative: 2, sg: true, cbow_mean: true, alpha: 0.1 };
        let (mut a0, mut a1, mut rng) = (syn0.clone(), vec![0.0; v * dim], 0x1234_5678_9abcu64);
        let n = word2vec_train(&tokens, 0, &[3, 7], &keep, &cum, &mut a0, &mut a1, &p, &mut rng);
        assert_eq!(n, 3);
        assert_eq!(a0[3 * dim..], syn0[3 * dim..], "a subsampled word was trained");
    }

    #[test]
    fn deterministic_for_a_seed_and_different_across_seeds() {
        let (v, dim) = (50, 16);
        let mut g = Lcg(2);
        let syn0 = rand_vec(&mut g, v * dim).iter().map(|x| x * 0.05).collect::<Vec<_>>();
        let tokens: Vec<u32> = (0..2000).map(|i| ((i * 7919) % 50) as u32).collect();
        let cum: Vec<u32> = (1..=v as u32).map(|i| i * 10).collect();
        let keep = vec![u32::MAX / 2; v];
        let p = Word2VecParams { dim, window: 5, negative: 5, sg: true, cbow_mean: true, alpha: 0.025 };
        let run = |seed: u64| {
            let (mut a0, mut a1, mut r) = (syn0.clone(), vec![0.0; v * dim], seed);
            word2vec_train(&tokens, 0, &[1000, 2000], &keep, &cum, &mut a0, &mut a1, &p, &mut r);
            a0
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }

    /// A corpus of two topics: words 0..20 only ever appear with each other, 20..40 likewise.
    fn topics() -> (Vec<u32>, Vec<u32>) {
        let mut g = Lcg(9);
        let (mut tokens, mut ends) = (Vec::new(), Vec::new());
        for s in 0..400 {
            let base = if s % 2 == 0 { 0 } else { 20 };
            for _ in 0..12 {
                tokens.push(base + (((g.next_f32() + 1.0) * 10.0) as u32).min(19));
            }
            ends.push(tokens.len() as u32);
        }
        (tokens, ends)
    }
    fn jobs_of(ends: &[u32], per: usize, alpha: f32, seed: u64) -> Vec<Job> {
        (0..ends.len().div_ceil(per))
            .map(|j| Job { first: j * per, last: ((j + 1) * per).min(ends.len()), alpha, rng: seed.wrapping_mul(j as u64 + 1) & 0xFFFF_FFFF_FFFF })
            .collect()
    }
    fn cos(a: &[f32], b: &[f32]) -> f64 {
        dot(a, b) as f64 / ((dot(a, a) as f64).sqrt() * (dot(b, b) as f64).sqrt())
    }
    /// Mean cosine within a topic minus across topics.
    fn separation(syn0: &[f32], dim: usize) -> f64 {
        let (mut within, mut across, mut nw, mut na) = (0.0, 0.0, 0, 0);
        for a in 0..40 {
            for b in a + 1..40 {
                let c = cos(&syn0[a * dim..(a + 1) * dim], &syn0[b * dim..(b + 1) * dim]);
                if (a < 20) == (b < 20) {
                    within += c;
                    nw += 1;
                } else {
                    across += c;
                    na += 1;
                }
            }
        }
        within / nw as f64 - across / na as f64
    }

    #[test]
    fn hogwild_with_one_job_on_one_lane_is_word2vec_train() {
        let (tokens, ends) = topics();
        let (v, dim) = (40, 12);
        let syn0: Vec<f32> = rand_vec(&mut Lcg(5), v * dim).iter().map(|x| x / dim as f32).collect();
        let cum: Vec<u32> = (1..=v as u32).map(|i| i * 100).collect();
        let keep = vec![u32::MAX / 3 * 2; v];
        for sg in [true, false] {
            let p = Word2VecParams { dim, window: 3, negative: 4, sg, cbow_mean: !sg, alpha: 0.03 };
            let (mut a0, mut a1, mut r) = (syn0.clone(), vec![0.0; v * dim], 777u64);
            let n = word2vec_train(&tokens, 0, &ends, &keep, &cum, &mut a0, &mut a1, &p, &mut r);
            let (mut b0, mut b1) = (syn0.clone(), vec![0.0; v * dim]);
            let job = Job { first: 0, last: ends.len(), alpha: 0.03, rng: 777 };
            let per_lane = word2vec_train_hogwild(&tokens, &ends, &[job], &keep, &cum, &mut b0, &mut b1, &p, 4);
            assert_eq!(per_lane, vec![n], "one job is one lane's work");
            assert_eq!(a0, b0, "sg={sg}: syn0 differs");
            assert_eq!(a1, b1, "sg={sg}: syn1neg differs");
        }
    }

    #[test]
    fn hogwild_on_four_threads_runs_every_job_once_and_learns_the_topics() {
        let (tokens, ends) = topics();
        let (v, dim) = (40, 16);
        let syn0: Vec<f32> = rand_vec(&mut Lcg(6), v * dim).iter().map(|x| x / dim as f32).collect();
        let cum: Vec<u32> = (1..=v as u32).map(|i| i * 100).collect();
        let keep = vec![u32::MAX; v];
        let jobs = jobs_of(&ends, 10, 0.05, 0x5DEE_CE66D);
        let p = Word2VecParams { dim, window: 4, negative: 5, sg: true, cbow_mean: true, alpha: 0.0 };
        let run = |lanes: usize| {
            let (mut a0, mut a1) = (syn0.clone(), vec![0.0; v * dim]);
            let mut per_lane = vec![0usize; lanes];
            for _ in 0..3 {
                let n = word2vec_train_hogwild(&tokens, &ends, &jobs, &keep, &cum, &mut a0, &mut a1, &p, lanes);
                per_lane.iter_mut().zip(n).for_each(|(a, b)| *a += b);
            }
            (a0, per_lane)
        };
        let (one, one_lane) = run(1);
        assert_eq!(one, run(1).0, "one lane is deterministic");
        let (four, lanes) = crate::kernels::par::with_host_threads(4, || run(4));
        assert_eq!(lanes.len(), 4);
        // Subsampling is off, so every job trains all its words: each ran exactly once.
        assert_eq!(lanes.iter().sum::<usize>(), tokens.len() * 3);
        assert_eq!(one_lane, vec![tokens.len() * 3]);
        let (s0, s1, s4) = (separation(&syn0, dim), separation(&one, dim), separation(&four, dim));
        assert!(s0.abs() < 0.1, "random vectors already separated: {s0}");
        assert!(s1 > 0.3 && s4 > 0.3, "not learned: one lane {s1}, four {s4}");
        assert!((s1 - s4).abs() < 0.15, "four threads learned differently: {s1} vs {s4}");
    }

    #[test]
    fn dot_and_axpy_match_plain_loops() {
        let mut g = Lcg(4);
        for n in [0, 1, 3, 4, 7, 100, 101] {
            let a = rand_vec(&mut g, n);
            let b = rand_vec(&mut g, n);
            let want: f64 = a.iter().zip(&b).map(|(x, y)| *x as f64 * *y as f64).sum();
            assert!((dot(&a[..], &b[..]) as f64 - want).abs() < 1e-5 * (1.0 + n as f64), "dot n={n}");
            let mut y = b.clone();
            axpy(0.5, &a[..], &mut y[..]);
            let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| y + 0.5 * x).collect();
            assert_close(&y, &want, 1e-6, "axpy");
        }
    }

    /// A Hogwild lane's rows (in place in a SharedF32, at an offset that is not a multiple of 4)
    /// give the bits of a thread's own slice, tails included, and touch only their row.
    #[test]
    fn shared_rows_compute_the_bits_of_slices() {
        let mut g = Lcg(11);
        for n in [1, 3, 4, 7, 100, 101] {
            let x = rand_vec(&mut g, n);
            let mut mem = rand_vec(&mut g, n + 6);
            let mut own = mem[3..3 + n].to_vec();
            let (want_dot, mut want_y) = (dot(&x[..], &own[..]), x.clone());
            axpy(0.7, &own[..], &mut want_y[..]);
            axpy(-0.3, &x[..], &mut own[..]);
            axpy(0.2, &own[..], &mut want_y[..]);
            axpy(0.2, &x[..], &mut own[..]);
            let before = mem.clone();
            let (mut y, mut read) = (x.clone(), vec![0.0; n]);
            {
                let shared = SharedF32::new(&mut mem);
                let mut rows = &shared;
                assert_eq!(rows.dot_row(3, &x).to_bits(), want_dot.to_bits(), "dot n={n}");
                rows.row_axpy(3, 0.7, &mut y);
                rows.axpy_row(3, -0.3, &x);
                rows.axpy_both_row(3, 0.2, &x, &mut y);
                rows.read_row(3, &mut read);
            }
            assert_eq!(y, want_y, "row_axpy, axpy_both_row: work n={n}");
            assert_eq!(read, own, "axpy_row, axpy_both_row: the row n={n}");
            assert_eq!(mem[3..3 + n], own[..], "the row in memory n={n}");
            assert_eq!((&mem[..3], &mem[3 + n..]), (&before[..3], &before[3 + n..]), "outside the row n={n}");
        }
    }
}
