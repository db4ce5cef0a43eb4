/**
 * Scopes free the temporaries of a computation deterministically: every tensor created inside
 * `tidy(fn)` is disposed when fn returns, except what fn returns and what was `keep()`-ed.
 * A training step wrapped in tidy leaves wasm memory exactly as it found it.
 */
import { KnobsError } from './errors.js';
import type { Tensor } from './tensor.js';

/**
 * The tensors one tidy() made, in creation order. A tensor names the one scope that owns it
 * (`t._scope`), so leaving a scope (dispose, keep) is one store instead of a Set delete, and a
 * new tensor costs an array push instead of a Set insert (~40 ns less per op). Entries whose
 * `_scope` no longer points here are stale and skipped; `live` counts the others.
 */
class Scope {
  items: Tensor[] = [];
  live = 0;
}

const stack: Scope[] = [];

/** Drops stale entries, so a long scope of create-and-dispose does not keep every dead JS object. */
function compact(s: Scope): void {
  let j = 0;
  for (const t of s.items) if (t._scope === s) s.items[j++] = t;
  s.items.length = j;
}

// Tensors made outside any tidy() and not yet disposed. A loop that forgets tidy() makes this
// climb without end; the FinalizationRegistry backstop cannot keep up (JS's GC does not see wasm
// memory), so the user gets one warning instead of a mysterious out-of-memory later.
let unscoped = 0;
let warnAt = 50_000;
let warned = false;

/** @internal What the warning counts (for tests). */
export function unscopedTensors(): number {
  return unscoped;
}

/** Registers a tensor with the innermost scope; returns false when there is none. */
export function track(t: Tensor): boolean {
  const n = stack.length;
  if (n === 0) return false;
  const s = stack[n - 1];
  if (t._scope === s) return true;
  if (t._scope) (t._scope as Scope).live--;
  s.items.push(t);
  s.live++;
  t._scope = s;
  if (s.items.length >= 1024 && s.live * 2 < s.items.length) compact(s);
  return true;
}

/** @internal A tensor made outside any scope was born (+1) or freed (−1). */
export function countUnscoped(delta: 1 | -1): void {
  unscoped += delta;
  if (delta > 0 && unscoped >= warnAt && !warned) {
    warned = true;
    console.warn(
      `knobs: ${unscoped} tensors are alive that were made outside any tidy() scope, and the number keeps growing. ` +
        'Wrap each training step in tidy(() => { ... }) (fit() does), or dispose() tensors you no longer need; see README "Memory".',
    );
  }
}

/** @internal Test hook: the count at which the warning fires (and re-arms it). */
export function _setUnscopedWarning(at: number): void {
  warnAt = at;
  warned = false;
}

/** Removes t from every open scope, so it survives them (parameters' gradients, kept results). */
export function untrack(t: Tensor): void {
  const s = t._scope as Scope | null;
  if (s) {
    s.live--;
    t._scope = null;
  }
  if (!t.isDisposed) t._leftScopes();
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
  const scope = new Scope();
  stack.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    // A failed step must not leak: free everything it made, then report.
    stack.pop();
    disposeAll(scope);
    throw err;
  }
  stack.pop();
  if (result instanceof Promise) {
    // The async body keeps running after this returns; its tensors would escape the scope.
    disposeAll(scope);
    result.catch(() => undefined);
    throw new KnobsError('tidy: fn must be synchronous; an async function (or a returned Promise) would outlive the scope. Await first, then tidy the synchronous part');
  }
  // Most steps return nothing or a number: no survivors to look for.
  let survivors: Set<Tensor> | null = null;
  if (result !== null && typeof result === 'object') collect(result, (survivors = new Set()));
  for (const t of scope.items) {
    if (t._scope !== scope) continue;
    if (survivors !== null && survivors.has(t)) {
      t._scope = null;
      if (!track(t)) t._leftScopes();
    } else {
      t.dispose();
    }
  }
  return result;
}

function disposeAll(scope: Scope): void {
  for (const t of scope.items) if (t._scope === scope) t.dispose();
}
