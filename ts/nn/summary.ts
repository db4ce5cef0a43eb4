/**
 * summary(model, inputShape): Keras' model.summary() for a Module — every layer (nested
 * containers indented), its output shape(s), its parameter count, and the totals split into
 * trainable and non-trainable (frozen parameters and buffers such as BatchNorm's running
 * statistics) — as data and as a table (`toString()`).
 *
 * Output shapes come from one forward pass in eval mode without a graph, on zeros of the given
 * shape with a batch of `batchSize` (default 1) in front: every module's forward is wrapped for
 * that one call and unwrapped after, so any module, registered or not, reports what it returned.
 * Zeros are valid ids for Embedding; pass `inputs` for a model that needs particular values.
 */
import { noGrad } from '../autograd.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { checkOptions, fmtValue } from '../options.js';
import { tidy } from '../scope.js';
import { Tensor, zeros } from '../tensor.js';
import { Linear, ReLU, Sequential, Sigmoid, Tanh } from './layers.js';
import type { AnyModule } from './module.js';

export interface LayerSummary {
  /** Dotted path in the model ('' for the model itself). */
  name: string;
  /** The registered type (or the class name of an unregistered module). */
  type: string;
  /** Nesting depth: 0 for the model, 1 for its children, … */
  depth: number;
  /** Shapes of the tensors the layer's first call returned, in order (a tuple output gives several); [] if it was not called. */
  outputShapes: number[][];
  /** How many times forward ran (a recurrent cell runs once per time step; 0: not called by the model's forward). */
  calls: number;
  /** Parameters of this layer and its descendants. */
  params: number;
  trainableParams: number;
  /** Frozen parameters (requiresGrad false) and buffers. */
  nonTrainableParams: number;
}

export interface ModelSummary {
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** Shapes of the inputs the forward pass was run on (batch axis first). */
  inputShapes: number[][];
  /** The Keras-style table. */
  toString(): string;
}

export interface SummaryOptions {
  /** Batch size of the zero input (default 1). */
  batchSize?: number;
  /** Example inputs instead of zeros (for models that need particular values); inputShape is then ignored. */
  inputs?: readonly Tensor[];
}

function typeName(m: AnyModule): string {
  const cls = m.constructor as { type?: unknown; name?: string };
  return Object.hasOwn(cls, 'type') && typeof cls.type === 'string' ? cls.type : cls.name || 'Module';
}

function shapesOf(v: unknown, out: number[][], depth = 0): void {
  if (v instanceof Tensor) out.push([...v.shape]);
  else if (Array.isArray(v) && depth < 4) for (const e of v) shapesOf(e, out, depth + 1);
}

function counts(m: AnyModule): { trainable: number; frozen: number } {
  let trainable = 0, frozen = 0;
  for (const [, p] of m.namedParameters()) {
    if (p.requiresGrad) trainable += p.size;
    else frozen += p.size;
  }
  for (const [, b] of m.namedBuffers()) frozen += b.size;
  return { trainable, frozen };
}

function checkShape(op: string, s: unknown, i: number): number[] {
  if (!Array.isArray(s) || s.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError(`${op}: input shape ${i} must be an array of non-negative integers (without the batch axis), got ${fmtValue(s)}`);
  return s as number[];
}

/**
 * inputShape: one sample's shape without the batch axis ([784], [1, 28, 28], [seqLen, features]),
 * or an array of such shapes for a forward that takes several tensors.
 */
export function summary(model: AnyModule, inputShape?: readonly number[] | readonly (readonly number[])[], opts: SummaryOptions = {}): ModelSummary {
  const op = 'summary';
  opts = checkOptions(op, opts, ['batchSize', 'inputs']);
  if (!model || typeof (model as { forward?: unknown }).forward !== 'function' || typeof model.namedModules !== 'function') throw new KnobsError(`${op}: expected a Module, got ${fmtValue(model)}`);
  const batch = opts.batchSize ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new KnobsError(`${op}: batchSize must be a positive integer, got ${fmtValue(opts.batchSize)}`);
  let shapes: number[][];
  if (opts.inputs) {
    if (!Array.isArray(opts.inputs) || opts.inputs.length === 0 || opts.inputs.some((t) => !(t instanceof Tensor) || t.isDisposed)) throw new KnobsError(`${op}: inputs must be a non-empty array of live Tensors`);
    shapes = opts.inputs.map((t) => [...t.shape]);
  } else {
    if (!Array.isArray(inputShape)) throw new KnobsError(`${op}: inputShape is required (one sample's shape without the batch axis, e.g. [784]), got ${fmtValue(inputShape)}`);
    const several = inputShape.length > 0 && Array.isArray(inputShape[0]);
    shapes = (several ? (inputShape as number[][]) : [inputShape as number[]]).map((s, i) => [batch, ...checkShape(op, s, i)]);
  }

  const modules = [...model.namedModules()];
  const records = new Map<AnyModule, { shapes: number[][]; calls: number }>();
  const restore: (() => void)[] = [];
  for (const [, m] of modules) {
    if (records.has(m)) continue; // a module shared under two paths is wrapped once
    const rec = { shapes: [] as number[][], calls: 0 };
    records.set(m, rec);
    // Sequential runs Linear + activation as one fused call (forwardWith): that is a call of the Linear too.
    for (const method of m instanceof Linear ? ['forward', 'forwardWith'] : ['forward']) {
      const own = Object.getOwnPropertyDescriptor(m, method);
      const orig = (m as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
      (m as unknown as Record<string, unknown>)[method] = function (this: AnyModule, ...args: unknown[]) {
        const out = orig.apply(this, args);
        if (rec.calls++ === 0) shapesOf(out, rec.shapes);
        return out;
      };
      restore.push(() => {
        if (own) Object.defineProperty(m, method, own);
        else delete (m as unknown as Record<string, unknown>)[method];
      });
    }
  }
  const wasTraining = modules.map(([, m]) => m.training);
  try {
    model.eval();
    tidy(() => {
      noGrad(() => {
        const xs = opts.inputs ? [...opts.inputs] : shapes.map((s) => zeros(s));
        try {
          model.forward(...xs);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          throw new KnobsError(`${op}: the forward pass on inputs ${shapes.map((s) => fmtShape(s)).join(', ')} failed: ${msg}`);
        }
      });
    });
  } finally {
    for (const r of restore) r();
    modules.forEach(([, m], i) => (m.training = wasTraining[i]));
  }

  // The activation fused into a Linear's call was applied (elementwise: the Linear's output shape).
  for (const [, m] of modules) {
    if (!(m instanceof Sequential)) continue;
    m.layers.forEach((l, i) => {
      const prev = i > 0 ? records.get(m.layers[i - 1]) : undefined;
      const rec = records.get(l);
      if (rec && rec.calls === 0 && prev && prev.calls > 0 && m.layers[i - 1] instanceof Linear && (l instanceof ReLU || l instanceof Sigmoid || l instanceof Tanh)) {
        rec.calls = prev.calls;
        rec.shapes = prev.shapes;
      }
    });
  }

  const layers: LayerSummary[] = modules.map(([name, m]) => {
    const c = counts(m);
    const rec = records.get(m)!;
    return {
      name, type: typeName(m), depth: name === '' ? 0 : name.split('.').length,
      outputShapes: rec.shapes, calls: rec.calls,
      params: c.trainable + c.frozen, trainableParams: c.trainable, nonTrainableParams: c.frozen,
    };
  });
  const root = layers[0];
  const result: ModelSummary = {
    layers,
    totalParams: root.params,
    trainableParams: root.trainableParams,
    nonTrainableParams: root.nonTrainableParams,
    inputShapes: shapes,
    toString: () => formatSummary(result),
  };
  return result;
}

function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

function fmtBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let u = 0;
  while (n >= 1024 && u < units.length - 1) (n /= 1024), u++;
  return `${u === 0 ? n : n.toFixed(2)} ${units[u]}`;
}

function formatSummary(s: ModelSummary): string {
  const rows = s.layers.map((l) => [
    `${'  '.repeat(l.depth)}${l.name === '' ? '(model)' : l.name} (${l.type})`,
    l.calls === 0 ? '-' : l.outputShapes.map((sh) => fmtShape(sh)).join(', ') + (l.calls > 1 ? ` ×${l.calls}` : ''),
    fmtCount(l.params),
  ]);
  const head = ['Layer (type)', 'Output shape', 'Param #'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2].padStart(w[2])}`;
  const rule = (c: string) => c.repeat(w[0] + w[1] + w[2] + 4);
  return [
    `Input: ${s.inputShapes.map((sh) => fmtShape(sh)).join(', ')}`,
    rule('='), line(head), rule('='),
    ...rows.map(line),
    rule('='),
    `Total params: ${fmtCount(s.totalParams)} (${fmtBytes(s.totalParams * 4)})`,
    `Trainable params: ${fmtCount(s.trainableParams)}`,
    `Non-trainable params: ${fmtCount(s.nonTrainableParams)}`,
    '',
  ].join('\n');
}
