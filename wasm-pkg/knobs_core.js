/* @ts-self-types="./knobs_core.d.ts" */

/**
 * @param {number} x
 * @param {number} out
 * @param {number} n
 */
export function abs(x, out, n) {
    wasm.abs(x, out, n);
}

/**
 * @param {number} x
 * @param {number} g
 * @param {number} out
 * @param {number} n
 */
export function abs_backward(x, g, out, n) {
    wasm.abs_backward(x, g, out, n);
}

/**
 * @param {number} param
 * @param {number} grad
 * @param {number} state
 * @param {number} n
 * @param {number} lr
 * @param {number} eps
 * @param {number} weight_decay
 */
export function adagrad(param, grad, state, n, lr, eps, weight_decay) {
    wasm.adagrad(param, grad, state, n, lr, eps, weight_decay);
}

/**
 * @param {number} param
 * @param {number} grad
 * @param {number} m
 * @param {number} v
 * @param {number} n
 * @param {number} lr
 * @param {number} beta1
 * @param {number} beta2
 * @param {number} eps
 * @param {number} weight_decay
 * @param {boolean} decoupled
 * @param {number} bc1
 * @param {number} bc2
 */
export function adam(param, grad, m, v, n, lr, beta1, beta2, eps, weight_decay, decoupled, bc1, bc2) {
    wasm.adam(param, grad, m, v, n, lr, beta1, beta2, eps, weight_decay, decoupled, bc1, bc2);
}

/**
 * @param {number} a
 * @param {number} b
 * @param {number} out
 * @param {number} n
 */
export function add(a, b, out, n) {
    wasm.add(a, b, out, n);
}

/**
 * @param {number} a
 * @param {number} bias
 * @param {number} out
 * @param {number} rows
 * @param {number} cols
 */
export function add_row(a, bias, out, rows, cols) {
    wasm.add_row(a, bias, out, rows, cols);
}

/**
 * @param {number} src
 * @param {number} src_len
 * @param {number} src_off
 * @param {Uint32Array} ss
 * @param {number} dst
 * @param {number} dst_len
 * @param {number} dst_off
 * @param {Uint32Array} sd
 * @param {Uint32Array} shape
 */
export function add_strided(src, src_len, src_off, ss, dst, dst_len, dst_off, sd, shape) {
    const ptr0 = passArray32ToWasm0(ss, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(sd, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ptr2 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len2 = WASM_VECTOR_LEN;
    wasm.add_strided(src, src_len, src_off, ptr0, len0, dst, dst_len, dst_off, ptr1, len1, ptr2, len2);
}

/**
 * A block of `max(n, 1)` floats, or 0 when memory cannot grow (or the size overflows): the TS
 * side turns 0 into an error naming the sizes. `with_capacity` would abort with an opaque trap.
 * @param {number} n
 * @returns {number}
 */
export function alloc_f32(n) {
    const ret = wasm.alloc_f32(n);
    return ret >>> 0;
}

/**
 * @param {number} a
 * @param {Uint32Array} out
 * @param {number} rows
 * @param {number} cols
 */
export function argmax_rows(a, out, rows, cols) {
    var ptr0 = passArray32ToWasm0(out, wasm.__wbindgen_malloc);
    var len0 = WASM_VECTOR_LEN;
    wasm.argmax_rows(a, ptr0, len0, out, rows, cols);
}

/**
 * @param {number} x
 * @param {Uint32Array} idx
 * @param {number} min
 * @param {number} rows
 * @param {number} cols
 */
export function argmin_rows(x, idx, min, rows, cols) {
    var ptr0 = passArray32ToWasm0(idx, wasm.__wbindgen_malloc);
    var len0 = WASM_VECTOR_LEN;
    wasm.argmin_rows(x, ptr0, len0, idx, min, rows, cols);
}

/**
 * @param {number} gy
 * @param {number} gx
 * @param {Uint32Array} geom
 * @param {boolean} exclude_pad
 */
export function avgpool2d_backward(gy, gx, geom, exclude_pad) {
    const ptr0 = passArray32ToWasm0(geom, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.avgpool2d_backward(gy, gx, ptr0, len0, exclude_pad);
}

/**
 * @param {number} x
 * @param {number} out
 * @param {Uint32Array} geom
 * @param {boolean} exclude_pad
 */
export function avgpool2d_forward(x, out, geom, exclude_pad) {
    const ptr0 = passArray32ToWasm0(geom, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.avgpool2d_forward(x, out, ptr0, len0, exclude_pad);
}

/**
 * @param {number} alpha
 * @param {number} x
 * @param {number} y
 * @param {number} n
 */
export function axpy(alpha, x, y, n) {
    wasm.axpy(alpha, x, y, n);
}

/**
 * @param {number} op
 * @param {number} a
 * @param {number} a_len
 * @param {Uint32Array} sa
 * @param {number} b
 * @param {number} b_len
 * @param {Uint32Array} sb
 * @param {number} out
 * @param {Uint32Array} shape
 */
export function broadcast_binary(op, a, a_len, sa, b, b_len, sb, out, shape) {
    const ptr0 = passArray32ToWasm0(sa, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(sb, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ptr2 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len2 = WASM_VECTOR_LEN;
    wasm.broadcast_binary(op, a, a_len, ptr0, len0, b, b_len, ptr1, len1, out, ptr2, len2);
}

/**
 * The code of an elementwise op name ("add", "sub", "mul", "div"), for `broadcast_binary`.
 * @param {string} name
 * @returns {number | undefined}
 */
export function broadcast_op_code(name) {
    const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.broadcast_op_code(ptr0, len0);
    return ret === Number.MAX_SAFE_INTEGER ? undefined : ret;
}

/**
 * @param {number} x
 * @param {Uint32Array} labels
 * @param {number} sums
 * @param {number} counts
 * @param {number} n
 * @param {number} k
 * @param {number} d
 */
export function center_sums(x, labels, sums, counts, n, k, d) {
    const ptr0 = passArray32ToWasm0(labels, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.center_sums(x, ptr0, len0, sums, counts, n, k, d);
}

/**
 * @param {number} x
 * @param {number} lo
 * @param {number} hi
 * @param {number} out
 * @param {number} n
 */
export function clamp(x, lo, hi, out, n) {
    wasm.clamp(x, lo, hi, out, n);
}

/**
 * @param {number} x
 * @param {number} g
 * @param {number} lo
 * @param {number} hi
 * @param {number} out
 * @param {number} n
 */
export function clamp_backward(x, g, lo, hi, out, n) {
    wasm.clamp_backward(x, g, lo, hi, out, n);
}

/**
 * @param {number} a
 * @param {number} n
 * @param {number} lo
 * @param {number} hi
 */
export function clamp_inplace(a, n, lo, hi) {
    wasm.clamp_inplace(a, n, lo, hi);
}

/**
 * @param {number} x
 * @param {number} w
 * @param {number} gy
 * @param {number} gx
 * @param {number} gw
 * @param {number} gb
 * @param {boolean} want_gx
 * @param {boolean} want_gw
 * @param {boolean} want_gb
 * @param {Uint32Array} geom
 * @param {boolean} accumulate
 */
export function conv2d_backward(x, w, gy, gx, gw, gb, want_gx, want_gw, want_gb, geom, accumulate) {
    const ptr0 = passArray32ToWasm0(geom, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.conv2d_backward(x, w, gy, gx, gw, gb, want_gx, want_gw, want_gb, ptr0, len0, accumulate);
}

/**
 * `act`: a code of `dense_activation_code` (bias and activation fused into the GEMM's epilogue).
 * @param {number} x
 * @param {number} w
 * @param {number} b
 * @param {boolean} has_bias
 * @param {number} out
 * @param {Uint32Array} geom
 * @param {number} act
 */
export function conv2d_forward(x, w, b, has_bias, out, geom, act) {
    const ptr0 = passArray32ToWasm0(geom, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.conv2d_forward(x, w, b, has_bias, out, ptr0, len0, act);
}

/**
 * @param {number} x
 * @param {number} w
 * @param {number} b
 * @param {boolean} has_bias
 * @param {number} out
 * @param {Uint32Array} geom
 * @param {number} act
 */
export function conv2d_pool_forward(x, w, b, has_bias, out, geom, act) {
    const ptr0 = passArray32ToWasm0(geom, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.conv2d_pool_forward(x, w, b, has_bias, out, ptr0, len0, act);
}

/**
 * @param {number} src
 * @param {number} src_len
 * @param {number} src_off
 * @param {Uint32Array} ss
 * @param {number} dst
 * @param {number} dst_len
 * @param {number} dst_off
 * @param {Uint32Array} sd
 * @param {Uint32Array} shape
 */
export function copy_strided(src, src_len, src_off, ss, dst, dst_len, dst_off, sd, shape) {
    const ptr0 = passArray32ToWasm0(ss, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(sd, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ptr2 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len2 = WASM_VECTOR_LEN;
    wasm.copy_strided(src, src_len, src_off, ptr0, len0, dst, dst_len, dst_off, ptr1, len1, ptr2, len2);
}

/**
 * @param {number} a
 * @param {number} n
 * @returns {number}
 */
export function count_nonfinite(a, n) {
    const ret = wasm.count_nonfinite(a, n);
    return ret >>> 0;
}

/**
 * The code of an activation name ("none", "relu", "sigmoid", "tanh"), for `act` below.
 * @param {string} name
 * @returns {number | undefined}
 */
export function dense_activation_code(name) {
    const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.dense_activation_code(ptr0, len0);
    return ret === Number.MAX_SAFE_INTEGER ? undefined : ret;
}

/**
 * @param {number} x
 * @param {number} w
 * @param {number} y
 * @param {number} gy
 * @param {number} gz
 * @param {number} gx
 * @param {number} gw
 * @param {number} gb
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {number} act
 * @param {boolean} want_gx
 * @param {boolean} want_gw
 * @param {boolean} want_gb
 * @param {boolean} accumulate
 */
export function dense_backward(x, w, y, gy, gz, gx, gw, gb, m, k, n, act, want_gx, want_gw, want_gb, accumulate) {
    wasm.dense_backward(x, w, y, gy, gz, gx, gw, gb, m, k, n, act, want_gx, want_gw, want_gb, accumulate);
}

/**
 * @param {number} x
 * @param {number} w
 * @param {number} b
 * @param {boolean} has_bias
 * @param {number} out
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {number} act
 */
export function dense_forward(x, w, b, has_bias, out, m, k, n, act) {
    wasm.dense_forward(x, w, b, has_bias, out, m, k, n, act);
}

/**
 * @param {number} x
 * @param {number} w0
 * @param {number} w1
 * @param {number} hidden
 * @param {number} out
 * @param {number} gy
 * @param {number} gz
 * @param {number} gh
 * @param {number} gx
 * @param {boolean} want_gx
 * @param {number} gw0
 * @param {number} gb0
 * @param {boolean} want_gw0
 * @param {boolean} want_gb0
 * @param {boolean} acc0
 * @param {number} gw1
 * @param {number} gb1
 * @param {boolean} want_gw1
 * @param {boolean} want_gb1
 * @param {boolean} acc1
 * @param {number} m
 * @param {number} k
 * @param {number} h
 * @param {number} n
 * @param {number} act0
 * @param {number} act1
 */
export function dense_pair_backward(x, w0, w1, hidden, out, gy, gz, gh, gx, want_gx, gw0, gb0, want_gw0, want_gb0, acc0, gw1, gb1, want_gw1, want_gb1, acc1, m, k, h, n, act0, act1) {
    wasm.dense_pair_backward(x, w0, w1, hidden, out, gy, gz, gh, gx, want_gx, gw0, gb0, want_gw0, want_gb0, acc0, gw1, gb1, want_gw1, want_gb1, acc1, m, k, h, n, act0, act1);
}

/**
 * @param {number} x
 * @param {number} w0
 * @param {number} b0
 * @param {boolean} has_b0
 * @param {number} w1
 * @param {number} b1
 * @param {boolean} has_b1
 * @param {number} hidden
 * @param {number} out
 * @param {number} m
 * @param {number} k
 * @param {number} h
 * @param {number} n
 * @param {number} act0
 * @param {number} act1
 */
export function dense_pair_forward(x, w0, b0, has_b0, w1, b1, has_b1, hidden, out, m, k, h, n, act0, act1) {
    wasm.dense_pair_forward(x, w0, b0, has_b0, w1, b1, has_b1, hidden, out, m, k, h, n, act0, act1);
}

/**
 * `indices` and `values` must have room for rows·cols entries; returns the nonzero count.
 * @param {number} x
 * @param {number} rows
 * @param {number} cols
 * @param {number} offsets
 * @param {number} indices
 * @param {number} values
 * @returns {number}
 */
export function dense_to_csr(x, rows, cols, offsets, indices, values) {
    const ret = wasm.dense_to_csr(x, rows, cols, offsets, indices, values);
    return ret >>> 0;
}

/**
 * @param {number} a
 * @param {number} b
 * @param {number} out
 * @param {number} n
 */
export function div(a, b, out, n) {
    wasm.div(a, b, out, n);
}

/**
 * @param {number} out
 * @param {number} n
 * @param {number} seed_lo
 * @param {number} seed_hi
 * @param {number} p
 */
export function dropout_mask(out, n, seed_lo, seed_hi, p) {
    wasm.dropout_mask(out, n, seed_lo, seed_hi, p);
}

/**
 * @param {number} a
 * @param {number} out
 * @param {number} n
 */
export function exp(a, out, n) {
    wasm.exp(a, out, n);
}

/**
 * @param {number} out
 * @param {number} n
 * @param {number} seed_lo
 * @param {number} seed_hi
 * @param {number} mean
 * @param {number} std
 */
export function fill_normal(out, n, seed_lo, seed_hi, mean, std) {
    wasm.fill_normal(out, n, seed_lo, seed_hi, mean, std);
}

/**
 * @param {number} out
 * @param {number} n
 * @param {number} seed_lo
 * @param {number} seed_hi
 * @param {number} lo
 * @param {number} hi
 */
export function fill_uniform(out, n, seed_lo, seed_hi, lo, hi) {
    wasm.fill_uniform(out, n, seed_lo, seed_hi, lo, hi);
}

/**
 * @param {number} idx
 * @param {number} n
 * @param {number} hi
 * @returns {number}
 */
export function first_bad_index(idx, n, hi) {
    const ret = wasm.first_bad_index(idx, n, hi);
    return ret >>> 0;
}

/**
 * @param {number} x
 * @param {number} n
 * @returns {number}
 */
export function first_not_binary(x, n) {
    const ret = wasm.first_not_binary(x, n);
    return ret >>> 0;
}

/**
 * @param {number} p
 * @param {number} n
 */
export function free_f32(p, n) {
    wasm.free_f32(p, n);
}

/**
 * `xs`: x's strides; `shape`: the index's (and output's) shape.
 * @param {number} x
 * @param {number} x_len
 * @param {Uint32Array} xs
 * @param {number} axis
 * @param {number} idx
 * @param {number} out
 * @param {Uint32Array} shape
 */
export function gather(x, x_len, xs, axis, idx, out, shape) {
    const ptr0 = passArray32ToWasm0(xs, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    wasm.gather(x, x_len, ptr0, len0, axis, idx, out, ptr1, len1);
}

/**
 * @param {number} src
 * @param {number} src_len
 * @param {Uint32Array} ss
 * @param {number} out
 * @param {Uint32Array} shape
 */
export function gather_strided(src, src_len, ss, out, shape) {
    const ptr0 = passArray32ToWasm0(ss, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    wasm.gather_strided(src, src_len, ptr0, len0, out, ptr1, len1);
}

/**
 * `mode`: 0 asks, 1 pre-broadcast, 2 plain; returns the mode in effect (2 on the relaxed build).
 * @param {number} mode
 * @returns {number}
 */
export function gemm_packing(mode) {
    const ret = wasm.gemm_packing(mode);
    return ret >>> 0;
}

/**
 * @param {number} xi
 * @param {number} whh
 * @param {number} bhh
 * @param {boolean} has_bias
 * @param {number} h0
 * @param {number} ys
 * @param {number} acts
 * @param {number} t
 * @param {number} b
 * @param {number} hid
 */
export function gru_sequence(xi, whh, bhh, has_bias, h0, ys, acts, t, b, hid) {
    wasm.gru_sequence(xi, whh, bhh, has_bias, h0, ys, acts, t, b, hid);
}

/**
 * @param {number} whh
 * @param {number} ys
 * @param {number} acts
 * @param {number} dys
 * @param {number} dxi
 * @param {number} dh0
 * @param {number} dwhh
 * @param {number} dbhh
 * @param {boolean} has_bias
 * @param {number} t
 * @param {number} b
 * @param {number} hid
 * @param {boolean} need_dh0
 * @param {boolean} accumulate
 */
export function gru_sequence_backward(whh, ys, acts, dys, dxi, dh0, dwhh, dbhh, has_bias, t, b, hid, need_dh0, accumulate) {
    wasm.gru_sequence_backward(whh, ys, acts, dys, dxi, dh0, dwhh, dbhh, has_bias, t, b, hid, need_dh0, accumulate);
}

/**
 * @param {number} dst
 * @param {number} idx
 * @param {number} m
 * @param {number} src
 * @param {number} outer
 * @param {number} n
 * @param {number} inner
 */
export function index_add(dst, idx, m, src, outer, n, inner) {
    wasm.index_add(dst, idx, m, src, outer, n, inner);
}

/**
 * @param {number} x
 * @param {number} idx
 * @param {number} m
 * @param {number} out
 * @param {number} outer
 * @param {number} n
 * @param {number} inner
 */
export function index_select(x, idx, m, out, outer, n, inner) {
    wasm.index_select(x, idx, m, out, outer, n, inner);
}

/**
 * @param {number} src
 * @param {number} dst
 * @param {number} n
 * @returns {number}
 */
export function indices_from_f32(src, dst, n) {
    const ret = wasm.indices_from_f32(src, dst, n);
    return ret >>> 0;
}

/**
 * @param {number} src
 * @param {number} dst
 * @param {number} n
 */
export function indices_to_f32(src, dst, n) {
    wasm.indices_to_f32(src, dst, n);
}

/**
 * k nearest per row of a distance matrix: indices (ascending distance, ties → lower index) into out_idx [n×k].
 * @param {number} dist
 * @param {number} n
 * @param {number} m
 * @param {number} k
 * @param {Uint32Array} out_idx
 */
export function knn_select(dist, n, m, k, out_idx) {
    var ptr0 = passArray32ToWasm0(out_idx, wasm.__wbindgen_malloc);
    var len0 = WASM_VECTOR_LEN;
    wasm.knn_select(dist, n, m, k, ptr0, len0, out_idx);
}

/**
 * @param {number} a
 * @param {number} out
 * @param {number} n
 */
export function log(a, out, n) {
    wasm.log(a, out, n);
}

/**
 * @param {number} y
 * @param {number} g
 * @param {number} out
 * @param {number} rows
 * @param {number} cols
 */
export function log_softmax_backward(y, g, out, rows, cols) {
    wasm.log_softmax_backward(y, g, out, rows, cols);
}

/**
 * @param {number} x
 * @param {number} out
 * @param {number} rows
 * @param {number} cols
 */
export function log_softmax_rows(x, out, rows, cols) {
    wasm.log_softmax_rows(x, out, rows, cols);
}

/**
 * @param {number} x
 * @param {number} out
 * @param {number} outer
 * @param {number} n
 * @param {number} inner
 */
export function logsumexp_axis(x, out, outer, n, inner) {
    wasm.logsumexp_axis(x, out, outer, n, inner);
}

/**
 * @param {number} x
 * @param {number} y
 * @param {number} g
 * @param {number} gx
 * @param {number} outer
 * @param {number} n
 * @param {number} inner
 */
export function logsumexp_backward(x, y, g, gx, outer, n, inner) {
    wasm.logsumexp_backward(x, y, g, gx, outer, n, inner);
}

/**
 * @param {number} xi
 * @param {number} whh
 * @param {number} bhh
 * @param {boolean} has_bias
 * @param {number} h0
 * @param {number} c0
 * @param {number} ys
 * @param {number} cs
 * @param {number} acts
 * @param {number} t
 * @param {number} b
 * @param {number} hid
 */
export function lstm_sequence(xi, whh, bhh, has_bias, h0, c0, ys, cs, acts, t, b, hid) {
    wasm.lstm_sequence(xi, whh, bhh, has_bias, h0, c0, ys, cs, acts, t, b, hid);
}

/**
 * @param {number} whh
 * @param {number} ys
 * @param {number} cs
 * @param {number} acts
 * @param {number} dys
 * @param {number} dcs
 * @param {number} dxi
 * @param {number} dh0
 * @param {number} dc0
 * @param {number} dwhh
 * @param {number} dbhh
 * @param {boolean} has_bias
 * @param {number} t
 * @param {number} b
 * @param {number} hid
 * @param {boolean} need_dh0
 * @param {boolean} accumulate
 */
export function lstm_sequence_backward(whh, ys, cs, acts, dys, dcs, dxi, dh0, dc0, dwhh, dbhh, has_bias, t, b, hid, need_dh0, accumulate) {
    wasm.lstm_sequence_backward(whh, ys, cs, acts, dys, dcs, dxi, dh0, dc0, dwhh, dbhh, has_bias, t, b, hid, need_dh0, accumulate);
}

/**
 * @param {number} x
 * @param {number} mask
 * @param {number} mask_len
 * @param {Uint32Array} dims
 * @param {Uint32Array} mask_strides
 * @param {boolean} causal
 * @param {number} scale
 * @param {number} out
 */
export function masked_softmax(x, mask, mask_len, dims, mask_strides, causal, scale, out) {
    const ptr0 = passArray32ToWasm0(dims, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(mask_strides, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    wasm.masked_softmax(x, mask, mask_len, ptr0, len0, ptr1, len1, causal, scale, out);
}

/**
 * @param {number} y
 * @param {number} g
 * @param {number} n
 * @param {number} cols
 * @param {number} scale
 * @param {number} out
 */
export function masked_softmax_backward(y, g, n, cols, scale, out) {
    wasm.masked_softmax_backward(y, g, n, cols, scale, out);
}

/**
 * @param {number} a
 * @param {number} b
 * @param {number} c
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {boolean} accumulate
 */
export function matmul(a, b, c, m, k, n, accumulate) {
    wasm.matmul(a, b, c, m, k, n, accumulate);
}

/**
 * @param {number} a
 * @param {number} a_len
 * @param {number} b
 * @param {number} b_len
 * @param {number} c
 * @param {number} c_len
 * @param {Uint32Array} shape
 * @param {Uint32Array} sa
 * @param {Uint32Array} sb
 * @param {Uint32Array} sc
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {boolean} accumulate
 */
export function matmul_batched(a, a_len, b, b_len, c, c_len, shape, sa, sb, sc, m, k, n, accumulate) {
    const ptr0 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(sa, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ptr2 = passArray32ToWasm0(sb, wasm.__wbindgen_malloc);
    const len2 = WASM_VECTOR_LEN;
    const ptr3 = passArray32ToWasm0(sc, wasm.__wbindgen_malloc);
    const len3 = WASM_VECTOR_LEN;
    wasm.matmul_batched(a, a_len, b, b_len, c, c_len, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, m, k, n, accumulate);
}

/**
 * @param {number} a
 * @param {number} a_len
 * @param {number} b
 * @param {number} b_len
 * @param {number} c
 * @param {number} c_len
 * @param {Uint32Array} shape
 * @param {Uint32Array} sa
 * @param {Uint32Array} sb
 * @param {Uint32Array} sc
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {boolean} accumulate
 */
export function matmul_batched_nt(a, a_len, b, b_len, c, c_len, shape, sa, sb, sc, m, k, n, accumulate) {
    const ptr0 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(sa, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ptr2 = passArray32ToWasm0(sb, wasm.__wbindgen_malloc);
    const len2 = WASM_VECTOR_LEN;
    const ptr3 = passArray32ToWasm0(sc, wasm.__wbindgen_malloc);
    const len3 = WASM_VECTOR_LEN;
    wasm.matmul_batched_nt(a, a_len, b, b_len, c, c_len, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, m, k, n, accumulate);
}

/**
 * @param {number} a
 * @param {number} a_len
 * @param {number} b
 * @param {number} b_len
 * @param {number} c
 * @param {number} c_len
 * @param {Uint32Array} shape
 * @param {Uint32Array} sa
 * @param {Uint32Array} sb
 * @param {Uint32Array} sc
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {boolean} accumulate
 */
export function matmul_batched_tn(a, a_len, b, b_len, c, c_len, shape, sa, sb, sc, m, k, n, accumulate) {
    const ptr0 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(sa, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ptr2 = passArray32ToWasm0(sb, wasm.__wbindgen_malloc);
    const len2 = WASM_VECTOR_LEN;
    const ptr3 = passArray32ToWasm0(sc, wasm.__wbindgen_malloc);
    const len3 = WASM_VECTOR_LEN;
    wasm.matmul_batched_tn(a, a_len, b, b_len, c, c_len, ptr0, len0, ptr1, len1, ptr2, len2, ptr3, len3, m, k, n, accumulate);
}

/**
 * @param {number} a
 * @param {number} b
 * @param {number} c
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {boolean} accumulate
 */
export function matmul_nt(a, b, c, m, k, n, accumulate) {
    wasm.matmul_nt(a, b, c, m, k, n, accumulate);
}

/**
 * @param {number} a
 * @param {number} b
 * @param {number} c
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {boolean} accumulate
 */
export function matmul_tn(a, b, c, m, k, n, accumulate) {
    wasm.matmul_tn(a, b, c, m, k, n, accumulate);
}

/**
 * @param {number} via
 * @param {number} a
 * @param {number} b
 * @param {number} c
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {boolean} accumulate
 */
export function matmul_tn_via(via, a, b, c, m, k, n, accumulate) {
    wasm.matmul_tn_via(via, a, b, c, m, k, n, accumulate);
}

/**
 * @param {number} via
 * @param {number} a
 * @param {number} b
 * @param {number} c
 * @param {number} m
 * @param {number} k
 * @param {number} n
 * @param {boolean} accumulate
 */
export function matmul_via(via, a, b, c, m, k, n, accumulate) {
    wasm.matmul_via(via, a, b, c, m, k, n, accumulate);
}

/**
 * @param {number} x
 * @param {number} out
 * @param {number} arg
 * @param {number} outer
 * @param {number} n
 * @param {number} inner
 */
export function max_axis(x, out, arg, outer, n, inner) {
    wasm.max_axis(x, out, arg, outer, n, inner);
}

/**
 * @param {number} gy
 * @param {number} arg
 * @param {number} gx
 * @param {Uint32Array} geom
 */
export function maxpool2d_backward(gy, arg, gx, geom) {
    const ptr0 = passArray32ToWasm0(geom, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.maxpool2d_backward(gy, arg, gx, ptr0, len0);
}

/**
 * Pools use the geometry with o = c (one output plane per input plane).
 * `want_arg` false (inference): no argmax indices are written and `arg` is not read.
 * @param {number} x
 * @param {number} out
 * @param {number} arg
 * @param {boolean} want_arg
 * @param {Uint32Array} geom
 */
export function maxpool2d_forward(x, out, arg, want_arg, geom) {
    const ptr0 = passArray32ToWasm0(geom, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.maxpool2d_forward(x, out, arg, want_arg, ptr0, len0);
}

/**
 * Pages of 64 KiB (bytes would overflow u32 at 4 GiB).
 * @returns {number}
 */
export function memory_pages() {
    const ret = wasm.memory_pages();
    return ret >>> 0;
}

/**
 * @param {number} x
 * @param {number} out
 * @param {number} arg
 * @param {number} outer
 * @param {number} n
 * @param {number} inner
 */
export function min_axis(x, out, arg, outer, n, inner) {
    wasm.min_axis(x, out, arg, outer, n, inner);
}

/**
 * @param {number} pred
 * @param {number} target
 * @param {number} n
 * @returns {number}
 */
export function mse(pred, target, n) {
    const ret = wasm.mse(pred, target, n);
    return ret;
}

/**
 * @param {number} pred
 * @param {number} target
 * @param {number} grad
 * @param {number} n
 * @param {number} scale
 */
export function mse_backward(pred, target, grad, n, scale) {
    wasm.mse_backward(pred, target, grad, n, scale);
}

/**
 * @param {number} a
 * @param {number} b
 * @param {number} out
 * @param {number} n
 */
export function mul(a, b, out, n) {
    wasm.mul(a, b, out, n);
}

/**
 * @param {number} idx
 * @param {number} n
 * @param {number} out
 * @param {number} classes
 */
export function one_hot(idx, n, out, classes) {
    wasm.one_hot(idx, n, out, classes);
}

/**
 * @param {number} out
 * @param {number} rows
 * @param {number} cols
 * @param {number} seed_lo
 * @param {number} seed_hi
 * @param {number} gain
 */
export function orthogonal(out, rows, cols, seed_lo, seed_hi, gain) {
    wasm.orthogonal(out, rows, cols, seed_lo, seed_hi, gain);
}

/**
 * @param {number} a
 * @param {number} n
 * @returns {number}
 */
export function pairwise_sum(a, n) {
    const ret = wasm.pairwise_sum(a, n);
    return ret;
}

/**
 * @param {number} a
 * @param {number} p
 * @param {number} out
 * @param {number} n
 */
export function pow_scalar(a, p, out, n) {
    wasm.pow_scalar(a, p, out, n);
}

/**
 * Runs the program of `prog_len` u32 words at `prog` over the arena of `arena_len` floats at
 * `arena`, with the step's x and y read at byte offsets `x` and `y` (0: already in their slots;
 * each as long as its slot, outside the arena). 0 on success, else a fault code
 * (kernels/program.rs `Fault::code`): the program is validated before its first op runs, so a
 * refused program changed nothing.
 * @param {number} prog
 * @param {number} prog_len
 * @param {number} arena
 * @param {number} arena_len
 * @param {number} x
 * @param {number} y
 * @returns {number}
 */
export function program_run(prog, prog_len, arena, arena_len, x, y) {
    const ret = wasm.program_run(prog, prog_len, arena, arena_len, x, y);
    return ret >>> 0;
}

/**
 * Runs `steps` steps of the program (`program_run`'s first four arguments) in one call, step s
 * on batch `(first + s) mod nb` of the `x_len` floats at `x` and `y_len` at `y` (nb whole
 * batches of the input slots' lengths each, outside the arena). Each step's loss (the float at
 * arena offset `loss_at`) goes to `losses[s]`; `losses[steps]` receives the count of steps done
 * (a non-finite loss ends the run after its step). `bc`: Adam's bias corrections, two floats a
 * step, or 0 for the header's. 0, or the fault code of the step that was refused.
 * @param {number} prog
 * @param {number} prog_len
 * @param {number} arena
 * @param {number} arena_len
 * @param {number} x
 * @param {number} x_len
 * @param {number} y
 * @param {number} y_len
 * @param {number} first
 * @param {number} steps
 * @param {number} loss_at
 * @param {number} bc
 * @param {number} losses
 * @returns {number}
 */
export function program_run_steps(prog, prog_len, arena, arena_len, x, x_len, y, y_len, first, steps, loss_at, bc, losses) {
    const ret = wasm.program_run_steps(prog, prog_len, arena, arena_len, x, x_len, y, y_len, first, steps, loss_at, bc, losses);
    return ret >>> 0;
}

/**
 * @param {number} src
 * @param {number} dst
 * @param {number} dst_len
 * @param {Uint32Array} sd
 * @param {Uint32Array} shape
 */
export function reduce_broadcast(src, dst, dst_len, sd, shape) {
    const ptr0 = passArray32ToWasm0(sd, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    wasm.reduce_broadcast(src, dst, dst_len, ptr0, len0, ptr1, len1);
}

/**
 * @param {number} x
 * @param {number} out
 * @param {number} n
 */
export function relu(x, out, n) {
    wasm.relu(x, out, n);
}

/**
 * @param {number} x
 * @param {number} g
 * @param {number} out
 * @param {number} n
 */
export function relu_backward(x, g, out, n) {
    wasm.relu_backward(x, g, out, n);
}

/**
 * @param {number} param
 * @param {number} grad
 * @param {number} v
 * @param {number} n
 * @param {number} lr
 * @param {number} alpha
 * @param {number} eps
 * @param {number} weight_decay
 */
export function rmsprop(param, grad, v, n, lr, alpha, eps, weight_decay) {
    wasm.rmsprop(param, grad, v, n, lr, alpha, eps, weight_decay);
}

/**
 * @param {number} a
 * @param {number} alpha
 * @param {number} beta
 * @param {number} out
 * @param {number} n
 */
export function scale(a, alpha, beta, out, n) {
    wasm.scale(a, alpha, beta, out, n);
}

/**
 * @param {number} x
 * @param {number} alpha
 * @param {number} beta
 * @param {number} n
 */
export function scale_inplace(x, alpha, beta, n) {
    wasm.scale_inplace(x, alpha, beta, n);
}

/**
 * @param {number} dst
 * @param {number} dst_len
 * @param {Uint32Array} ds
 * @param {number} axis
 * @param {number} idx
 * @param {number} src
 * @param {Uint32Array} shape
 */
export function scatter_add(dst, dst_len, ds, axis, idx, src, shape) {
    const ptr0 = passArray32ToWasm0(ds, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    wasm.scatter_add(dst, dst_len, ptr0, len0, axis, idx, src, ptr1, len1);
}

/**
 * @param {number} param
 * @param {number} grad
 * @param {number} velocity
 * @param {number} n
 * @param {number} lr
 * @param {number} momentum
 * @param {number} weight_decay
 * @param {boolean} nesterov
 */
export function sgd(param, grad, velocity, n, lr, momentum, weight_decay, nesterov) {
    wasm.sgd(param, grad, velocity, n, lr, momentum, weight_decay, nesterov);
}

/**
 * @param {number} table
 * @param {number} count
 * @param {number} lr
 * @param {number} momentum
 * @param {number} weight_decay
 * @param {boolean} nesterov
 */
export function sgd_foreach(table, count, lr, momentum, weight_decay, nesterov) {
    wasm.sgd_foreach(table, count, lr, momentum, weight_decay, nesterov);
}

/**
 * @param {number} x
 * @param {number} out
 * @param {number} n
 */
export function sigmoid(x, out, n) {
    wasm.sigmoid(x, out, n);
}

/**
 * @param {number} y
 * @param {number} g
 * @param {number} out
 * @param {number} n
 */
export function sigmoid_backward(y, g, out, n) {
    wasm.sigmoid_backward(y, g, out, n);
}

/**
 * @param {number} y
 * @param {number} g
 * @param {number} out
 * @param {number} rows
 * @param {number} cols
 */
export function softmax_backward(y, g, out, rows, cols) {
    wasm.softmax_backward(y, g, out, rows, cols);
}

/**
 * @param {number} logits
 * @param {number} target
 * @param {number} probs
 * @param {number} rows
 * @param {number} cols
 * @returns {number}
 */
export function softmax_cross_entropy(logits, target, probs, rows, cols) {
    const ret = wasm.softmax_cross_entropy(logits, target, probs, rows, cols);
    return ret;
}

/**
 * @param {number} probs
 * @param {number} target
 * @param {number} grad
 * @param {number} n
 * @param {number} scale
 */
export function softmax_cross_entropy_backward(probs, target, grad, n, scale) {
    wasm.softmax_cross_entropy_backward(probs, target, grad, n, scale);
}

/**
 * @param {number} logits
 * @param {number} target
 * @param {number} probs
 * @param {number} losses_out
 * @param {number} rows
 * @param {number} cols
 */
export function softmax_cross_entropy_rows(logits, target, probs, losses_out, rows, cols) {
    wasm.softmax_cross_entropy_rows(logits, target, probs, losses_out, rows, cols);
}

/**
 * @param {number} probs
 * @param {number} target
 * @param {number} g
 * @param {number} grad
 * @param {number} rows
 * @param {number} cols
 */
export function softmax_cross_entropy_rows_backward(probs, target, g, grad, rows, cols) {
    wasm.softmax_cross_entropy_rows_backward(probs, target, g, grad, rows, cols);
}

/**
 * @param {number} x
 * @param {number} out
 * @param {number} rows
 * @param {number} cols
 */
export function softmax_rows(x, out, rows, cols) {
    wasm.softmax_rows(x, out, rows, cols);
}

/**
 * `bias` 0: no bias. `cols`: rows of b (the sparse matrix's column count).
 * @param {number} offsets
 * @param {number} rows
 * @param {number} indices
 * @param {number} values
 * @param {number} nnz
 * @param {number} b
 * @param {number} cols
 * @param {number} bias
 * @param {number} out
 * @param {number} n
 */
export function sparse_mm(offsets, rows, indices, values, nnz, b, cols, bias, out, n) {
    wasm.sparse_mm(offsets, rows, indices, values, nnz, b, cols, bias, out, n);
}

/**
 * @param {number} offsets
 * @param {number} rows
 * @param {number} indices
 * @param {number} values
 * @param {number} nnz
 * @param {number} g
 * @param {number} db
 * @param {number} cols
 * @param {number} n
 */
export function sparse_mm_grad_weight(offsets, rows, indices, values, nnz, g, db, cols, n) {
    wasm.sparse_mm_grad_weight(offsets, rows, indices, values, nnz, g, db, cols, n);
}

/**
 * @param {number} a
 * @param {number} b
 * @param {number} out
 * @param {number} m
 * @param {number} n
 * @param {number} d
 */
export function sq_dist(a, b, out, m, n, d) {
    wasm.sq_dist(a, b, out, m, n, d);
}

/**
 * @param {number} x
 * @param {number} out
 * @param {number} n
 */
export function sqrt(x, out, n) {
    wasm.sqrt(x, out, n);
}

/**
 * @param {number} y
 * @param {number} g
 * @param {number} out
 * @param {number} n
 */
export function sqrt_backward(y, g, out, n) {
    wasm.sqrt_backward(y, g, out, n);
}

/**
 * @param {number} a
 * @param {number} b
 * @param {number} out
 * @param {number} n
 */
export function sub(a, b, out, n) {
    wasm.sub(a, b, out, n);
}

/**
 * @param {number} a
 * @param {number} n
 * @param {number} p
 * @returns {number}
 */
export function sum_abs_pow(a, n, p) {
    const ret = wasm.sum_abs_pow(a, n, p);
    return ret;
}

/**
 * @param {number} a
 * @param {number} out
 * @param {number} rows
 * @param {number} cols
 * @param {boolean} accumulate
 */
export function sum_rows(a, out, rows, cols, accumulate) {
    wasm.sum_rows(a, out, rows, cols, accumulate);
}

/**
 * @param {number} x
 * @param {number} out
 * @param {number} n
 */
export function tanh(x, out, n) {
    wasm.tanh(x, out, n);
}

/**
 * @param {number} y
 * @param {number} g
 * @param {number} out
 * @param {number} n
 */
export function tanh_backward(y, g, out, n) {
    wasm.tanh_backward(y, g, out, n);
}

/**
 * Threads a matmul may use now: the pool's size, capped by `thread_limit`.
 * @returns {number}
 */
export function thread_count() {
    const ret = wasm.thread_count();
    return ret >>> 0;
}

/**
 * Caps the threads a matmul may use (at least 1).
 * @param {number} n
 */
export function thread_limit(n) {
    wasm.thread_limit(n);
}

/**
 * Threads in the pool (the caller and the workers that have joined).
 * @returns {number}
 */
export function thread_pool_size() {
    const ret = wasm.thread_pool_size();
    return ret >>> 0;
}

/**
 * A pool worker's whole life (JS calls it once in each worker instance; it never returns).
 */
export function thread_worker_loop() {
    wasm.thread_worker_loop();
}

/**
 * Parts of matmuls that pool workers (not the calling thread) have run: lets tests see the pool work.
 * @returns {number}
 */
export function thread_worker_parts() {
    const ret = wasm.thread_worker_parts();
    return ret >>> 0;
}

/**
 * @param {number} cond
 * @param {number} cond_len
 * @param {Uint32Array} sc
 * @param {number} a
 * @param {number} a_len
 * @param {Uint32Array} sa
 * @param {number} b
 * @param {number} b_len
 * @param {Uint32Array} sb
 * @param {number} out
 * @param {Uint32Array} shape
 */
export function where_select(cond, cond_len, sc, a, a_len, sa, b, b_len, sb, out, shape) {
    const ptr0 = passArray32ToWasm0(sc, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ptr1 = passArray32ToWasm0(sa, wasm.__wbindgen_malloc);
    const len1 = WASM_VECTOR_LEN;
    const ptr2 = passArray32ToWasm0(sb, wasm.__wbindgen_malloc);
    const len2 = WASM_VECTOR_LEN;
    const ptr3 = passArray32ToWasm0(shape, wasm.__wbindgen_malloc);
    const len3 = WASM_VECTOR_LEN;
    wasm.where_select(cond, cond_len, ptr0, len0, a, a_len, ptr1, len1, b, b_len, ptr2, len2, out, ptr3, len3);
}

/**
 * Trains on sentences `ends[0..n_ends]` of `tokens[0..n_tokens]` (the first starting at `start`);
 * `rng` is [lo, hi] of the state, updated. Returns the words trained after subsampling.
 * @param {number} tokens
 * @param {number} n_tokens
 * @param {number} start
 * @param {number} ends
 * @param {number} n_ends
 * @param {number} sample_int
 * @param {number} cum_table
 * @param {number} vocab
 * @param {number} syn0
 * @param {number} syn1neg
 * @param {number} dim
 * @param {number} window
 * @param {number} negative
 * @param {boolean} sg
 * @param {boolean} cbow_mean
 * @param {number} alpha
 * @param {Uint32Array} rng
 * @returns {number}
 */
export function word2vec_train(tokens, n_tokens, start, ends, n_ends, sample_int, cum_table, vocab, syn0, syn1neg, dim, window, negative, sg, cbow_mean, alpha, rng) {
    var ptr0 = passArray32ToWasm0(rng, wasm.__wbindgen_malloc);
    var len0 = WASM_VECTOR_LEN;
    const ret = wasm.word2vec_train(tokens, n_tokens, start, ends, n_ends, sample_int, cum_table, vocab, syn0, syn1neg, dim, window, negative, sg, cbow_mean, alpha, ptr0, len0, rng);
    return ret >>> 0;
}

/**
 * Hogwild word2vec on `lanes` threads of the pool (kernels/word2vec.rs): `jobs` holds `n_jobs`
 * jobs of five u32 each — first sentence, end sentence (exclusive), the learning rate's f32
 * bits, the RNG state's low and high words — over the sentences `ends[0..n_ends]` of
 * `tokens[0..n_tokens]`. `lane_words` (one per lane) receives the words each lane trained after
 * subsampling; returns their sum.
 * @param {number} tokens
 * @param {number} n_tokens
 * @param {number} ends
 * @param {number} n_ends
 * @param {number} jobs
 * @param {number} n_jobs
 * @param {number} sample_int
 * @param {number} cum_table
 * @param {number} vocab
 * @param {number} syn0
 * @param {number} syn1neg
 * @param {number} dim
 * @param {number} window
 * @param {number} negative
 * @param {boolean} sg
 * @param {boolean} cbow_mean
 * @param {Uint32Array} lane_words
 * @returns {number}
 */
export function word2vec_train_hogwild(tokens, n_tokens, ends, n_ends, jobs, n_jobs, sample_int, cum_table, vocab, syn0, syn1neg, dim, window, negative, sg, cbow_mean, lane_words) {
    var ptr0 = passArray32ToWasm0(lane_words, wasm.__wbindgen_malloc);
    var len0 = WASM_VECTOR_LEN;
    const ret = wasm.word2vec_train_hogwild(tokens, n_tokens, ends, n_ends, jobs, n_jobs, sample_int, cum_table, vocab, syn0, syn1neg, dim, window, negative, sg, cbow_mean, ptr0, len0, lane_words);
    return ret >>> 0;
}
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg___wbindgen_copy_to_typed_array_88899a52af046901: function(arg0, arg1, arg2) {
            new Uint8Array(arg2.buffer, arg2.byteOffset, arg2.byteLength).set(getArrayU8FromWasm0(arg0, arg1));
        },
        __wbindgen_init_externref_table: function() {
            const table = wasm.__wbindgen_externrefs;
            const offset = table.grow(4);
            table.set(0, undefined);
            table.set(offset + 0, undefined);
            table.set(offset + 1, null);
            table.set(offset + 2, true);
            table.set(offset + 3, false);
        },
    };
    return {
        __proto__: null,
        "./knobs_core_bg.js": import0,
    };
}

function getArrayU8FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getUint8ArrayMemory0().subarray(ptr / 1, ptr / 1 + len);
}

let cachedUint32ArrayMemory0 = null;
function getUint32ArrayMemory0() {
    if (cachedUint32ArrayMemory0 === null || cachedUint32ArrayMemory0.byteLength === 0) {
        cachedUint32ArrayMemory0 = new Uint32Array(wasm.memory.buffer);
    }
    return cachedUint32ArrayMemory0;
}

let cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

function passArray32ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 4, 4) >>> 0;
    getUint32ArrayMemory0().set(arg, ptr / 4);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passStringToWasm0(arg, malloc, realloc) {
    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    let len = arg.length;
    let ptr = malloc(len, 1) >>> 0;

    const mem = getUint8ArrayMemory0();

    let offset = 0;

    for (; offset < len; offset++) {
        const code = arg.charCodeAt(offset);
        if (code > 0x7F) break;
        mem[ptr + offset] = code;
    }
    if (offset !== len) {
        if (offset !== 0) {
            arg = arg.slice(offset);
        }
        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
        const ret = cachedTextEncoder.encodeInto(arg, view);

        offset += ret.written;
        ptr = realloc(ptr, len, offset, 1) >>> 0;
    }

    WASM_VECTOR_LEN = offset;
    return ptr;
}

const cachedTextEncoder = new TextEncoder();

if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}

let WASM_VECTOR_LEN = 0;

let wasmModule, wasmInstance, wasm;
function __wbg_finalize_init(instance, module) {
    wasmInstance = instance;
    wasm = instance.exports;
    wasmModule = module;
    cachedUint32ArrayMemory0 = null;
    cachedUint8ArrayMemory0 = null;
    wasm.__wbindgen_start();
    return wasm;
}

async function __wbg_load(module, imports) {
    if (typeof Response === 'function' && module instanceof Response) {
        if (!module.ok) {
            throw new Error(`failed to fetch Wasm: ${module.status} ${module.statusText} fetching '${module.url}'`);
        }

        if (typeof WebAssembly.instantiateStreaming === 'function') {
            try {
                return await WebAssembly.instantiateStreaming(module, imports);
            } catch (e) {
                const validResponse = expectedResponseType(module.type);

                if (validResponse && module.headers.get('Content-Type') !== 'application/wasm') {
                    console.warn("`WebAssembly.instantiateStreaming` failed because your server does not serve Wasm with `application/wasm` MIME type. Falling back to `WebAssembly.instantiate` which is slower. Original error:\n", e);

                } else { throw e; }
            }
        }

        const bytes = await module.arrayBuffer();
        return await WebAssembly.instantiate(bytes, imports);
    } else {
        const instance = await WebAssembly.instantiate(module, imports);

        if (instance instanceof WebAssembly.Instance) {
            return { instance, module };
        } else {
            return instance;
        }
    }

    function expectedResponseType(type) {
        switch (type) {
            case 'basic': case 'cors': case 'default': return true;
        }
        return false;
    }
}

function initSync(module) {
    if (wasm !== undefined) return wasm;


    if (module !== undefined) {
        if (Object.getPrototypeOf(module) === Object.prototype) {
            ({module} = module)
        } else {
            console.warn('using deprecated parameters for `initSync()`; pass a single object instead')
        }
    }

    const imports = __wbg_get_imports();
    if (!(module instanceof WebAssembly.Module)) {
        module = new WebAssembly.Module(module);
    }
    const instance = new WebAssembly.Instance(module, imports);
    return __wbg_finalize_init(instance, module);
}

async function __wbg_init(module_or_path) {
    if (wasm !== undefined) return wasm;


    if (module_or_path !== undefined) {
        if (Object.getPrototypeOf(module_or_path) === Object.prototype) {
            ({module_or_path} = module_or_path)
        } else {
            console.warn('using deprecated parameters for the initialization function; pass a single object instead')
        }
    }

    if (module_or_path === undefined) {
        module_or_path = new URL('knobs_core_bg.wasm', import.meta.url);
    }
    const imports = __wbg_get_imports();

    if (typeof module_or_path === 'string' || (typeof Request === 'function' && module_or_path instanceof Request) || (typeof URL === 'function' && module_or_path instanceof URL)) {
        module_or_path = fetch(module_or_path);
    }

    const { instance, module } = await __wbg_load(await module_or_path, imports);

    return __wbg_finalize_init(instance, module);
}

export { initSync, __wbg_init as default };
