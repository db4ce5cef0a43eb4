/* tslint:disable */
/* eslint-disable */

export function abs(x: number, out: number, n: number): void;

export function abs_backward(x: number, g: number, out: number, n: number): void;

export function adagrad(param: number, grad: number, state: number, n: number, lr: number, eps: number, weight_decay: number): void;

export function adam(param: number, grad: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number, eps: number, weight_decay: number, decoupled: boolean, bc1: number, bc2: number): void;

export function add(a: number, b: number, out: number, n: number): void;

export function add_row(a: number, bias: number, out: number, rows: number, cols: number): void;

export function add_strided(src: number, src_len: number, src_off: number, ss: Uint32Array, dst: number, dst_len: number, dst_off: number, sd: Uint32Array, shape: Uint32Array): void;

/**
 * A block of `max(n, 1)` floats, or 0 when memory cannot grow (or the size overflows): the TS
 * side turns 0 into an error naming the sizes. `with_capacity` would abort with an opaque trap.
 */
export function alloc_f32(n: number): number;

export function argmax_rows(a: number, out: Uint32Array, rows: number, cols: number): void;

export function argmin_rows(x: number, idx: Uint32Array, min: number, rows: number, cols: number): void;

export function avgpool2d_backward(gy: number, gx: number, geom: Uint32Array, exclude_pad: boolean): void;

export function avgpool2d_forward(x: number, out: number, geom: Uint32Array, exclude_pad: boolean): void;

export function axpy(alpha: number, x: number, y: number, n: number): void;

export function broadcast_binary(op: number, a: number, a_len: number, sa: Uint32Array, b: number, b_len: number, sb: Uint32Array, out: number, shape: Uint32Array): void;

/**
 * The code of an elementwise op name ("add", "sub", "mul", "div"), for `broadcast_binary`.
 */
export function broadcast_op_code(name: string): number | undefined;

export function center_sums(x: number, labels: Uint32Array, sums: number, counts: number, n: number, k: number, d: number): void;

export function clamp(x: number, lo: number, hi: number, out: number, n: number): void;

export function clamp_backward(x: number, g: number, lo: number, hi: number, out: number, n: number): void;

export function clamp_inplace(a: number, n: number, lo: number, hi: number): void;

export function conv2d_backward(x: number, w: number, gy: number, gx: number, gw: number, gb: number, want_gx: boolean, want_gw: boolean, want_gb: boolean, geom: Uint32Array, accumulate: boolean): void;

/**
 * `act`: a code of `dense_activation_code` (bias and activation fused into the GEMM's epilogue).
 */
export function conv2d_forward(x: number, w: number, b: number, has_bias: boolean, out: number, geom: Uint32Array, act: number): void;

export function conv2d_pool_forward(x: number, w: number, b: number, has_bias: boolean, out: number, geom: Uint32Array, act: number): void;

export function copy_strided(src: number, src_len: number, src_off: number, ss: Uint32Array, dst: number, dst_len: number, dst_off: number, sd: Uint32Array, shape: Uint32Array): void;

export function count_nonfinite(a: number, n: number): number;

/**
 * The code of an activation name ("none", "relu", "sigmoid", "tanh"), for `act` below.
 */
export function dense_activation_code(name: string): number | undefined;

export function dense_backward(x: number, w: number, y: number, gy: number, gz: number, gx: number, gw: number, gb: number, m: number, k: number, n: number, act: number, want_gx: boolean, want_gw: boolean, want_gb: boolean, accumulate: boolean): void;

export function dense_forward(x: number, w: number, b: number, has_bias: boolean, out: number, m: number, k: number, n: number, act: number): void;

export function dense_pair_backward(x: number, w0: number, w1: number, hidden: number, out: number, gy: number, gz: number, gh: number, gx: number, want_gx: boolean, gw0: number, gb0: number, want_gw0: boolean, want_gb0: boolean, acc0: boolean, gw1: number, gb1: number, want_gw1: boolean, want_gb1: boolean, acc1: boolean, m: number, k: number, h: number, n: number, act0: number, act1: number): void;

export function dense_pair_forward(x: number, w0: number, b0: number, has_b0: boolean, w1: number, b1: number, has_b1: boolean, hidden: number, out: number, m: number, k: number, h: number, n: number, act0: number, act1: number): void;

/**
 * `indices` and `values` must have room for rows·cols entries; returns the nonzero count.
 */
export function dense_to_csr(x: number, rows: number, cols: number, offsets: number, indices: number, values: number): number;

export function div(a: number, b: number, out: number, n: number): void;

export function dropout_mask(out: number, n: number, seed_lo: number, seed_hi: number, p: number): void;

export function exp(a: number, out: number, n: number): void;

export function fill_normal(out: number, n: number, seed_lo: number, seed_hi: number, mean: number, std: number): void;

export function fill_uniform(out: number, n: number, seed_lo: number, seed_hi: number, lo: number, hi: number): void;

export function first_bad_index(idx: number, n: number, hi: number): number;

export function first_not_binary(x: number, n: number): number;

export function free_f32(p: number, n: number): void;

/**
 * `xs`: x's strides; `shape`: the index's (and output's) shape.
 */
export function gather(x: number, x_len: number, xs: Uint32Array, axis: number, idx: number, out: number, shape: Uint32Array): void;

export function gather_strided(src: number, src_len: number, ss: Uint32Array, out: number, shape: Uint32Array): void;

/**
 * `mode`: 0 asks, 1 pre-broadcast, 2 plain; returns the mode in effect (2 on the relaxed build).
 */
export function gemm_packing(mode: number): number;

export function gru_sequence(xi: number, whh: number, bhh: number, has_bias: boolean, h0: number, ys: number, acts: number, t: number, b: number, hid: number): void;

export function gru_sequence_backward(whh: number, ys: number, acts: number, dys: number, dxi: number, dh0: number, dwhh: number, dbhh: number, has_bias: boolean, t: number, b: number, hid: number, need_dh0: boolean, accumulate: boolean): void;

export function index_add(dst: number, idx: number, m: number, src: number, outer: number, n: number, inner: number): void;

export function index_select(x: number, idx: number, m: number, out: number, outer: number, n: number, inner: number): void;

export function indices_from_f32(src: number, dst: number, n: number): number;

export function indices_to_f32(src: number, dst: number, n: number): void;

/**
 * k nearest per row of a distance matrix: indices (ascending distance, ties → lower index) into out_idx [n×k].
 */
export function knn_select(dist: number, n: number, m: number, k: number, out_idx: Uint32Array): void;

export function log(a: number, out: number, n: number): void;

export function log_softmax_backward(y: number, g: number, out: number, rows: number, cols: number): void;

export function log_softmax_rows(x: number, out: number, rows: number, cols: number): void;

export function logsumexp_axis(x: number, out: number, outer: number, n: number, inner: number): void;

export function logsumexp_backward(x: number, y: number, g: number, gx: number, outer: number, n: number, inner: number): void;

export function lstm_sequence(xi: number, whh: number, bhh: number, has_bias: boolean, h0: number, c0: number, ys: number, cs: number, acts: number, t: number, b: number, hid: number): void;

export function lstm_sequence_backward(whh: number, ys: number, cs: number, acts: number, dys: number, dcs: number, dxi: number, dh0: number, dc0: number, dwhh: number, dbhh: number, has_bias: boolean, t: number, b: number, hid: number, need_dh0: boolean, accumulate: boolean): void;

export function masked_softmax(x: number, mask: number, mask_len: number, dims: Uint32Array, mask_strides: Uint32Array, causal: boolean, scale: number, out: number): void;

export function masked_softmax_backward(y: number, g: number, n: number, cols: number, scale: number, out: number): void;

export function matmul(a: number, b: number, c: number, m: number, k: number, n: number, accumulate: boolean): void;

export function matmul_batched(a: number, a_len: number, b: number, b_len: number, c: number, c_len: number, shape: Uint32Array, sa: Uint32Array, sb: Uint32Array, sc: Uint32Array, m: number, k: number, n: number, accumulate: boolean): void;

export function matmul_batched_nt(a: number, a_len: number, b: number, b_len: number, c: number, c_len: number, shape: Uint32Array, sa: Uint32Array, sb: Uint32Array, sc: Uint32Array, m: number, k: number, n: number, accumulate: boolean): void;

export function matmul_batched_tn(a: number, a_len: number, b: number, b_len: number, c: number, c_len: number, shape: Uint32Array, sa: Uint32Array, sb: Uint32Array, sc: Uint32Array, m: number, k: number, n: number, accumulate: boolean): void;

export function matmul_nt(a: number, b: number, c: number, m: number, k: number, n: number, accumulate: boolean): void;

export function matmul_tn(a: number, b: number, c: number, m: number, k: number, n: number, accumulate: boolean): void;

export function matmul_tn_via(via: number, a: number, b: number, c: number, m: number, k: number, n: number, accumulate: boolean): void;

export function matmul_via(via: number, a: number, b: number, c: number, m: number, k: number, n: number, accumulate: boolean): void;

export function max_axis(x: number, out: number, arg: number, outer: number, n: number, inner: number): void;

export function maxpool2d_backward(gy: number, arg: number, gx: number, geom: Uint32Array): void;

/**
 * Pools use the geometry with o = c (one output plane per input plane).
 * `want_arg` false (inference): no argmax indices are written and `arg` is not read.
 */
export function maxpool2d_forward(x: number, out: number, arg: number, want_arg: boolean, geom: Uint32Array): void;

/**
 * Pages of 64 KiB (bytes would overflow u32 at 4 GiB).
 */
export function memory_pages(): number;

export function min_axis(x: number, out: number, arg: number, outer: number, n: number, inner: number): void;

export function mse(pred: number, target: number, n: number): number;

export function mse_backward(pred: number, target: number, grad: number, n: number, scale: number): void;

export function mul(a: number, b: number, out: number, n: number): void;

export function one_hot(idx: number, n: number, out: number, classes: number): void;

export function orthogonal(out: number, rows: number, cols: number, seed_lo: number, seed_hi: number, gain: number): void;

export function pairwise_sum(a: number, n: number): number;

export function pow_scalar(a: number, p: number, out: number, n: number): void;

/**
 * Runs the program of `prog_len` u32 words at `prog` over the arena of `arena_len` floats at
 * `arena`, with the step's x and y read at byte offsets `x` and `y` (0: already in their slots;
 * each as long as its slot, outside the arena). 0 on success, else a fault code
 * (kernels/program.rs `Fault::code`): the program is validated before its first op runs, so a
 * refused program changed nothing.
 */
export function program_run(prog: number, prog_len: number, arena: number, arena_len: number, x: number, y: number): number;

/**
 * Runs `steps` steps of the program (`program_run`'s first four arguments) in one call, step s
 * on batch `(first + s) mod nb` of the `x_len` floats at `x` and `y_len` at `y` (nb whole
 * batches of the input slots' lengths each, outside the arena). Each step's loss (the float at
 * arena offset `loss_at`) goes to `losses[s]`; `losses[steps]` receives the count of steps done
 * (a non-finite loss ends the run after its step). `bc`: Adam's bias corrections, two floats a
 * step, or 0 for the header's. 0, or the fault code of the step that was refused.
 */
export function program_run_steps(prog: number, prog_len: number, arena: number, arena_len: number, x: number, x_len: number, y: number, y_len: number, first: number, steps: number, loss_at: number, bc: number, losses: number): number;

export function reduce_broadcast(src: number, dst: number, dst_len: number, sd: Uint32Array, shape: Uint32Array): void;

export function relu(x: number, out: number, n: number): void;

export function relu_backward(x: number, g: number, out: number, n: number): void;

export function rmsprop(param: number, grad: number, v: number, n: number, lr: number, alpha: number, eps: number, weight_decay: number): void;

export function scale(a: number, alpha: number, beta: number, out: number, n: number): void;

export function scale_inplace(x: number, alpha: number, beta: number, n: number): void;

export function scatter_add(dst: number, dst_len: number, ds: Uint32Array, axis: number, idx: number, src: number, shape: Uint32Array): void;

export function sgd(param: number, grad: number, velocity: number, n: number, lr: number, momentum: number, weight_decay: number, nesterov: boolean): void;

export function sgd_foreach(table: number, count: number, lr: number, momentum: number, weight_decay: number, nesterov: boolean): void;

export function sigmoid(x: number, out: number, n: number): void;

export function sigmoid_backward(y: number, g: number, out: number, n: number): void;

export function softmax_backward(y: number, g: number, out: number, rows: number, cols: number): void;

export function softmax_cross_entropy(logits: number, target: number, probs: number, rows: number, cols: number): number;

export function softmax_cross_entropy_backward(probs: number, target: number, grad: number, n: number, scale: number): void;

export function softmax_cross_entropy_rows(logits: number, target: number, probs: number, losses_out: number, rows: number, cols: number): void;

export function softmax_cross_entropy_rows_backward(probs: number, target: number, g: number, grad: number, rows: number, cols: number): void;

export function softmax_rows(x: number, out: number, rows: number, cols: number): void;

/**
 * `bias` 0: no bias. `cols`: rows of b (the sparse matrix's column count).
 */
export function sparse_mm(offsets: number, rows: number, indices: number, values: number, nnz: number, b: number, cols: number, bias: number, out: number, n: number): void;

export function sparse_mm_grad_weight(offsets: number, rows: number, indices: number, values: number, nnz: number, g: number, db: number, cols: number, n: number): void;

export function sq_dist(a: number, b: number, out: number, m: number, n: number, d: number): void;

export function sqrt(x: number, out: number, n: number): void;

export function sqrt_backward(y: number, g: number, out: number, n: number): void;

export function sub(a: number, b: number, out: number, n: number): void;

export function sum_abs_pow(a: number, n: number, p: number): number;

export function sum_rows(a: number, out: number, rows: number, cols: number, accumulate: boolean): void;

export function tanh(x: number, out: number, n: number): void;

export function tanh_backward(y: number, g: number, out: number, n: number): void;

/**
 * Threads a matmul may use now: the pool's size, capped by `thread_limit`.
 */
export function thread_count(): number;

/**
 * Caps the threads a matmul may use (at least 1).
 */
export function thread_limit(n: number): void;

/**
 * Threads in the pool (the caller and the workers that have joined).
 */
export function thread_pool_size(): number;

/**
 * A pool worker's whole life (JS calls it once in each worker instance; it never returns).
 */
export function thread_worker_loop(): void;

/**
 * Parts of matmuls that pool workers (not the calling thread) have run: lets tests see the pool work.
 */
export function thread_worker_parts(): number;

export function where_select(cond: number, cond_len: number, sc: Uint32Array, a: number, a_len: number, sa: Uint32Array, b: number, b_len: number, sb: Uint32Array, out: number, shape: Uint32Array): void;

/**
 * Trains on sentences `ends[0..n_ends]` of `tokens[0..n_tokens]` (the first starting at `start`);
 * `rng` is [lo, hi] of the state, updated. Returns the words trained after subsampling.
 */
export function word2vec_train(tokens: number, n_tokens: number, start: number, ends: number, n_ends: number, sample_int: number, cum_table: number, vocab: number, syn0: number, syn1neg: number, dim: number, window: number, negative: number, sg: boolean, cbow_mean: boolean, alpha: number, rng: Uint32Array): number;

/**
 * Hogwild word2vec on `lanes` threads of the pool (kernels/word2vec.rs): `jobs` holds `n_jobs`
 * jobs of five u32 each — first sentence, end sentence (exclusive), the learning rate's f32
 * bits, the RNG state's low and high words — over the sentences `ends[0..n_ends]` of
 * `tokens[0..n_tokens]`. `lane_words` (one per lane) receives the words each lane trained after
 * subsampling; returns their sum.
 */
export function word2vec_train_hogwild(tokens: number, n_tokens: number, ends: number, n_ends: number, jobs: number, n_jobs: number, sample_int: number, cum_table: number, vocab: number, syn0: number, syn1neg: number, dim: number, window: number, negative: number, sg: boolean, cbow_mean: boolean, lane_words: Uint32Array): number;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly abs: (a: number, b: number, c: number) => void;
    readonly abs_backward: (a: number, b: number, c: number, d: number) => void;
    readonly adagrad: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly adam: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number) => void;
    readonly add: (a: number, b: number, c: number, d: number) => void;
    readonly add_row: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly add_strided: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number) => void;
    readonly alloc_f32: (a: number) => number;
    readonly argmax_rows: (a: number, b: number, c: number, d: any, e: number, f: number) => void;
    readonly argmin_rows: (a: number, b: number, c: number, d: any, e: number, f: number, g: number) => void;
    readonly avgpool2d_backward: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly avgpool2d_forward: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly axpy: (a: number, b: number, c: number, d: number) => void;
    readonly broadcast_binary: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number) => void;
    readonly broadcast_op_code: (a: number, b: number) => number;
    readonly center_sums: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly clamp: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly clamp_backward: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly clamp_inplace: (a: number, b: number, c: number, d: number) => void;
    readonly conv2d_backward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number) => void;
    readonly conv2d_forward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly conv2d_pool_forward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly copy_strided: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number) => void;
    readonly count_nonfinite: (a: number, b: number) => number;
    readonly dense_activation_code: (a: number, b: number) => number;
    readonly dense_backward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number) => void;
    readonly dense_forward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => void;
    readonly dense_pair_backward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: number, t: number, u: number, v: number, w: number, x: number, y: number, z: number) => void;
    readonly dense_pair_forward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number) => void;
    readonly dense_to_csr: (a: number, b: number, c: number, d: number, e: number, f: number) => number;
    readonly div: (a: number, b: number, c: number, d: number) => void;
    readonly dropout_mask: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly exp: (a: number, b: number, c: number) => void;
    readonly fill_normal: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly fill_uniform: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly first_bad_index: (a: number, b: number, c: number) => number;
    readonly first_not_binary: (a: number, b: number) => number;
    readonly free_f32: (a: number, b: number) => void;
    readonly gather: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => void;
    readonly gather_strided: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly gemm_packing: (a: number) => number;
    readonly gru_sequence: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => void;
    readonly gru_sequence_backward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number) => void;
    readonly index_add: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly index_select: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly indices_from_f32: (a: number, b: number, c: number) => number;
    readonly indices_to_f32: (a: number, b: number, c: number) => void;
    readonly knn_select: (a: number, b: number, c: number, d: number, e: number, f: number, g: any) => void;
    readonly log: (a: number, b: number, c: number) => void;
    readonly log_softmax_backward: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly log_softmax_rows: (a: number, b: number, c: number, d: number) => void;
    readonly logsumexp_axis: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly logsumexp_backward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly lstm_sequence: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number) => void;
    readonly lstm_sequence_backward: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number) => void;
    readonly masked_softmax: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => void;
    readonly masked_softmax_backward: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly matmul: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly matmul_batched: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number) => void;
    readonly matmul_batched_nt: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number) => void;
    readonly matmul_batched_tn: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number) => void;
    readonly matmul_nt: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly matmul_tn: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly matmul_tn_via: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly matmul_via: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly max_axis: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly maxpool2d_backward: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly maxpool2d_forward: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly memory_pages: () => number;
    readonly min_axis: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly mse: (a: number, b: number, c: number) => number;
    readonly mse_backward: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly mul: (a: number, b: number, c: number, d: number) => void;
    readonly one_hot: (a: number, b: number, c: number, d: number) => void;
    readonly orthogonal: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly pairwise_sum: (a: number, b: number) => number;
    readonly pow_scalar: (a: number, b: number, c: number, d: number) => void;
    readonly program_run: (a: number, b: number, c: number, d: number, e: number, f: number) => number;
    readonly program_run_steps: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number) => number;
    readonly reduce_broadcast: (a: number, b: number, c: number, d: number, e: number, f: number, g: number) => void;
    readonly relu: (a: number, b: number, c: number) => void;
    readonly relu_backward: (a: number, b: number, c: number, d: number) => void;
    readonly rmsprop: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly scale: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly scale_inplace: (a: number, b: number, c: number, d: number) => void;
    readonly scatter_add: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => void;
    readonly sgd: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => void;
    readonly sgd_foreach: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly sigmoid: (a: number, b: number, c: number) => void;
    readonly sigmoid_backward: (a: number, b: number, c: number, d: number) => void;
    readonly softmax_backward: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly softmax_cross_entropy: (a: number, b: number, c: number, d: number, e: number) => number;
    readonly softmax_cross_entropy_backward: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly softmax_cross_entropy_rows: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly softmax_cross_entropy_rows_backward: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly softmax_rows: (a: number, b: number, c: number, d: number) => void;
    readonly sparse_mm: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number) => void;
    readonly sparse_mm_grad_weight: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number) => void;
    readonly sq_dist: (a: number, b: number, c: number, d: number, e: number, f: number) => void;
    readonly sqrt: (a: number, b: number, c: number) => void;
    readonly sqrt_backward: (a: number, b: number, c: number, d: number) => void;
    readonly sub: (a: number, b: number, c: number, d: number) => void;
    readonly sum_abs_pow: (a: number, b: number, c: number) => number;
    readonly sum_rows: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly tanh: (a: number, b: number, c: number) => void;
    readonly tanh_backward: (a: number, b: number, c: number, d: number) => void;
    readonly thread_count: () => number;
    readonly thread_limit: (a: number) => void;
    readonly thread_pool_size: () => number;
    readonly thread_worker_loop: () => void;
    readonly thread_worker_parts: () => number;
    readonly where_select: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number) => void;
    readonly word2vec_train: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: any) => number;
    readonly word2vec_train_hogwild: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number, i: number, j: number, k: number, l: number, m: number, n: number, o: number, p: number, q: number, r: number, s: any) => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
