/**
 * Scopes free the temporaries of a computation deterministically: every tensor created inside
 * `tidy(fn)` is disposed when fn returns, except what fn returns and what was `keep()`-ed.
 * A training step wrapped in tidy leaves wasm memory exactly as it found it.
 */
import type { Tensor } from './tensor.js';

const stack: Set<Tensor>[] = [];

export function track(t: Tensor): void {
  if (stack.length > 0) stack[stack.length - 1].add(t);
}

/** Removes t from every open scope, so it survives them (parameters' gradients, kept results). */
export function untrack(t: Tensor): void {
  for (const s of stack) s.delete(t);
}

/** Marks a tensor created inside tidy() to outlive it. */
export function keep<T extends Tensor>(t: T): T {
  untrack(t);
  return t;
}

function collect(result: unknown, out: Set<Tensor>, depth = 0): void {
  if (result === null || typeof result !== 'object' || depth > 4) return;
  if ((result as { isTensor?: boolean }).isTensor === true) {
    out.add(result as Tensor);
    return;
  }
  const values = Array.isArray(result) ? result : result instanceof Map ? [...result.values()] : Object.values(result);
  for (const v of values) collect(v, out, depth + 1);
}

/**
 * Runs fn and disposes every tensor it created that is not part of its result (tensors found in a
 * returned tensor, array, Map or plain object). Returned tensors move to the enclosing scope.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Tensor>();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    // A failed step must not leak: free everything it made, then report.
    stack.pop();
    for (const t of scope) t.dispose();
    throw err;
  }
  stack.pop();
  if (result instanceof Promise) throw new TypeError('tidy: fn must be synchronous (a Promise would outlive the scope)');
  const survivors = new Set<Tensor>();
  collect(result, survivors);
  for (const t of scope) {
    if (survivors.has(t)) track(t);
    else t.dispose();
  }
  return result;
}
