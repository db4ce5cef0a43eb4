/**
 * compileStep: a training step (forward, loss, backward, optimizer update) traced from eager runs
 * and replayed by the Rust interpreter in one wasm call. Named for what it compiles — one *step*
 * of (model, loss, optimizer), like a CUDA graph of a step — not a model (torch.compile) or a
 * function of tensors (tf.function): the optimizer's update and its state are part of it.
 *
 * How: the first two steps run eagerly while every kernel call is recorded (trace.ts). The two
 * traces must agree on everything but pointers and the optimizer's per-step scalars — otherwise
 * the step depends on data in a way a replay would freeze (a dropout seed, a value computed in
 * JS), and it stays eager. The second trace is then laid out in one arena: every float range
 * the step touched keeps its relative place (ranges that overlapped in the eager run — a buffer
 * freed and reused — overlap in the arena too), so each replayed kernel sees exactly the bytes the
 * eager kernel saw, and the results are the eager step's bits. Parameters and optimizer state
 * move into the arena once (the same Tensor objects, see Tensor._rehome): the model, the
 * optimizer, stateDict() and save() read them where the program updates them, with no copy back.
 */
import { heap, K } from '../backend/wasm.js';
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { keep, tidy } from '../scope.js';
import { MAX_ELEMENTS, Tensor, empty } from '../tensor.js';
import { FAULT_NONFINITE, H_BC1, H_BC2, H_LR, KERNELS, describeFault } from './kernels.js';
import { assembleChain } from './chain.js';
import { assemble, inputArg } from './program.js';
import { traceDifference, traceKernels, untraced, type Range, type Trace } from './trace.js';

export interface StepsOptions {
  /** Rows per step: x and y hold N / batchSize batches. */
  batchSize: number;
  /** Training steps to run in the call. */
  steps: number;
  /** The batch of the first step (default 0); each next step takes the next batch, after the last the first. */
  firstBatch?: number;
}
const STEPS_KEYS = optionKeys<StepsOptions>()('batchSize', 'steps', 'firstBatch');

export type StepLoss = ((pred: Tensor, target: Tensor) => Tensor) | { forward(pred: Tensor, target: Tensor): Tensor };

/** Optimizers whose update kernels the interpreter runs, with the scalars they recompute each step. */
const OPTIMIZERS = new Set(['SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad']);

// Plain loops: these run on every compiled step, whose whole budget is about a microsecond.
function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
function inPlace(state: [Tensor, number][]): boolean {
  for (let i = 0; i < state.length; i++) {
    const [t, ptr] = state[i];
    if (t.isDisposed || t.ptr !== ptr) return false;
  }
  return true;
}

/** steps()' scratch floats at least: 1,364 steps per call (455 with Adam) before it grows. */
const SCRATCH_MIN = 4096;

function intAtLeast(op: string, name: string, v: unknown, min: number): void {
  if (!Number.isSafeInteger(v) || (v as number) < min) throw new KnobsError(`${op}: ${name} must be an integer ≥ ${min}, got ${v}`);
}

/** Whether t lies wholly outside p's block (arena and program): program_run_steps reads it while it writes the arena. */
function outsideBlock(p: Program, t: Tensor): boolean {
  const a = p.arena.ptr >>> 2, s = t.ptr >>> 2;
  return s + t.size <= a || s >= a + p.blockFloats;
}

interface Program {
  /** One block: the arena (`arenaFloats`), then the program's u32 words — one allocation per compiled step. */
  arena: Tensor;
  arenaFloats: number;
  words: number;
  xOff: number;
  yOff: number;
  predOff: number;
  predShape: readonly number[];
  lossOff: number;
  xShape: readonly number[];
  yShape: readonly number[];
  /** The block's end (float index past the program's words): inputs outside [arena, end) are read in place. */
  blockFloats: number;
  training: boolean;
  /** Whether the header takes Adam's bias corrections too. */
  adam: boolean;
  /** The state tensors and where the program expects them (another compiled step may have moved them since). */
  state: [Tensor, number][];
}

export class CompiledStep {
  /** Why steps run eagerly for good (null while compiling or compiled): the first thing the compiler could not replay. */
  fallbackReason: string | null = null;
  /** Steps run by the program, and eagerly (tracing, other shapes, fallback). */
  compiledSteps = 0;
  eagerSteps = 0;
  private readonly lossFn: (pred: Tensor, target: Tensor) => Tensor;
  private first: { trace: Trace; xShape: readonly number[]; yShape: readonly number[]; training: boolean } | null = null;
  private program: Program | null = null;
  private disposed = false;
  /** steps()' losses and Adam's per-step scalars (see runSteps). */
  private scratch: Tensor | null = null;

  /** `op` names the caller in errors of the eager step ('fit' when fit() compiles its steps). */
  constructor(readonly model: Module, loss: StepLoss, readonly optimizer: Optimizer, private readonly op = 'compileStep') {
    if (!model || typeof (model as { forward?: unknown }).forward !== 'function') throw new KnobsError('compileStep: model must be a Module');
    if (!optimizer || typeof optimizer.step !== 'function') throw new KnobsError('compileStep: optimizer must be an Optimizer');
    if (typeof loss === 'function') this.lossFn = loss;
    else if (loss && typeof loss.forward === 'function') this.lossFn = (p, t) => loss.forward(p, t);
    else throw new KnobsError('compileStep: loss must be a function (pred, target) => Tensor or a loss module');
    if (!OPTIMIZERS.has(optimizer.name)) this.fallbackReason = `the optimizer ${optimizer.name} has no compiled update (supported: ${[...OPTIMIZERS].join(', ')})`;
  }

  /** 'compiled' once the program runs the steps, 'tracing' before, 'eager' after a fallback. */
  get mode(): 'tracing' | 'compiled' | 'eager' {
    return this.program ? 'compiled' : this.fallbackReason ? 'eager' : 'tracing';
  }

  /**
   * One training step on (x, y); returns the loss. `onOutput` sees the model's output of this
   * step (for metrics), valid only during the call.
   */
  step(x: Tensor, y: Tensor, onOutput?: (pred: Tensor) => void): number {
    if (this.disposed) throw new KnobsError('compileStep: step() after dispose()');
    if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new KnobsError('compileStep: step(x, y) takes two tensors');
    const p = this.program;
    if (p && !inPlace(p.state)) {
      // The parameters or the optimizer state left this arena (another compiled step or predict()
      // moved them, or they were disposed): the program would train a stale copy. Trace anew.
      this.program = null;
      p.arena.dispose();
      return this.traceStep(x, y, onOutput);
    }
    if (p && sameShape(x.shape, p.xShape) && sameShape(y.shape, p.yShape) && this.model.training === p.training) return this.runProgram(p, x, y, onOutput);
    if (p || this.fallbackReason) return this.eager(x, y, onOutput).loss;
    return this.traceStep(x, y, onOutput);
  }

  /** The eager step every trace records: the same order as fit's (forward, loss, backward, update). */
  private eager(x: Tensor, y: Tensor, onOutput?: (pred: Tensor) => void): { loss: number; predPtr: number; predShape: readonly number[]; lossPtr: number } {
    this.eagerSteps++;
    return tidy(() => {
      const pred = this.model.forward(x);
      const loss = this.lossFn(pred, y);
      if (!(loss instanceof Tensor) || loss.size !== 1) {
        throw new KnobsError(`${this.op}: the loss must return a one-element tensor, got ${loss instanceof Tensor ? fmtShape(loss.shape) : typeof loss}`);
      }
      this.optimizer.zeroGrad();
      loss.backward();
      this.optimizer.step();
      if (onOutput) untraced(() => onOutput(pred));
      return { loss: loss.item(), predPtr: pred.ptr, predShape: pred.shape, lossPtr: loss.ptr };
    });
  }

  /** The tensors that persist across steps: parameters, buffers and optimizer state. */
  private stateTensors(): Tensor[] {
    const set = new Set<Tensor>([...this.model.parameters(), ...this.model.buffers(), ...this.optimizer.params]);
    const slots = (this.optimizer as unknown as { slots: Map<string, (Tensor | null)[]> }).slots;
    for (const list of slots.values()) for (const t of list) if (t) set.add(t);
    return [...set].filter((t) => !t.isDisposed && t.size > 0);
  }

  private static within(tensors: Tensor[]): (start: number, len: number) => boolean {
    const rs = tensors.map((t) => [t.ptr >>> 2, (t.ptr >>> 2) + t.size] as const);
    return (start, len) => rs.some(([a, b]) => start < b && a < start + len);
  }

  private traceStep(x: Tensor, y: Tensor, onOutput?: (pred: Tensor) => void): number {
    const key = { xShape: [...x.shape], yShape: [...y.shape], training: this.model.training };
    const f = this.first;
    if (f && !(sameShape(f.xShape, key.xShape) && sameShape(f.yShape, key.yShape) && f.training === key.training)) {
      // Another shape before the program exists (a short batch): run it, trace the next full one.
      return this.eager(x, y, onOutput).loss;
    }
    const { result, trace } = traceKernels(CompiledStep.within([...this.stateTensors(), x, y]), () => this.eager(x, y, onOutput));
    if (trace.unsupported) this.fallbackReason = trace.unsupported;
    else if (!f) this.first = { trace, ...key };
    else {
      const state = CompiledStep.within(this.stateTensors());
      this.fallbackReason = traceDifference(f.trace, trace, state);
      if (!this.fallbackReason) {
        try {
          this.program = this.build(trace, x, y, result, key);
        } catch (e) {
          if (!(e instanceof KnobsError)) throw e;
          this.fallbackReason = e.message;
        }
      }
      this.first = null;
    }
    return result.loss;
  }

  /** Why the optimizer kernels' per-step scalars would not be what runProgram writes into the header, or null. */
  private checkScalars(trace: Trace): string | null {
    const o = this.optimizer as unknown as { lr: number; beta1?: number; beta2?: number; stepCount: number };
    const t = o.stepCount;
    for (const c of trace.calls) {
      const dyn = KERNELS[c.name].dynamic;
      if (!dyn) continue;
      const want = c.name === 'adam' ? [o.lr, 1 - o.beta1! ** t, 1 - o.beta2! ** t] : [o.lr];
      if (!dyn.every((j, i) => Object.is(c.args[j], want[i]))) return `the ${c.name} update's learning rate or bias correction is not the optimizer's own (${this.optimizer.name} with per-parameter settings?)`;
    }
    return null;
  }

  private build(trace: Trace, x: Tensor, y: Tensor, r: { loss: number; predPtr: number; predShape: readonly number[]; lossPtr: number }, key: { xShape: number[]; yShape: number[]; training: boolean }): Program {
    const bad = this.checkScalars(trace);
    if (bad) throw new KnobsError(`compileStep: ${bad}`);
    const state = this.stateTensors();
    const ranges: Range[] = [];
    for (const t of [...state, x, y]) ranges.push({ start: t.ptr >>> 2, len: t.size });
    const predSize = r.predShape.reduce((a, b) => a * b, 1);
    ranges.push({ start: r.predPtr >>> 2, len: predSize }, { start: r.lossPtr >>> 2, len: 1 });

    // The loss tensor's value: f32(total × scale) of a loss kernel, as the loss op computes it.
    let lossCall = -1, lossScale = 0;
    for (let i = trace.calls.length - 1; i >= 0 && lossCall < 0; i--) {
      const c = trace.calls[i];
      if (KERNELS[c.name].returns !== 'loss') continue;
      const count = (c.name === 'mse' ? c.args[2] : c.args[3]) as number;
      for (const s of [1, 1 / count]) {
        if (Math.fround((c.ret as number) * s) === r.loss) {
          lossCall = i;
          lossScale = s;
          break;
        }
      }
    }
    if (lossCall < 0) throw new KnobsError('compileStep: the loss value is not the result of a loss kernel (MSELoss, CrossEntropyLoss with mean or sum), so a replay could not report it');

    const inputs = [x, y].map((t) => ({ start: t.ptr >>> 2, len: t.size }));
    const loss = { call: lossCall, scale: lossScale, start: r.lossPtr >>> 2 };
    const { arena, arenaFloats, words, off } = assembleChain('compileStep', trace, inputs[0], inputs[1], state, loss, { start: r.predPtr >>> 2, len: predSize }) ?? assemble('compileStep', trace, ranges, state, loss, inputs);
    // Gradients of compiled steps live in the arena; the eager ones of the trace are dropped.
    this.optimizer.zeroGrad();
    return {
      arena,
      arenaFloats,
      words,
      blockFloats: arenaFloats + words,
      state: state.map((t) => [t, t.ptr]),
      xOff: off(x.ptr >>> 2, x.size),
      yOff: off(y.ptr >>> 2, y.size),
      predOff: off(r.predPtr >>> 2, predSize),
      predShape: r.predShape,
      lossOff: off(r.lossPtr >>> 2, 1),
      adam: (this.optimizer as unknown as { beta1?: number }).beta1 !== undefined,
      ...key,
    };
  }

  private runProgram(p: Program, x: Tensor, y: Tensor, onOutput?: (pred: Tensor) => void): number {
    const h = heap();
    const base = p.arena.ptr >>> 2;
    // No copy of the batch: the program reads x and y where they are (a 784×100 batch was ~3% of the MLP step).
    const end = base + p.blockFloats;
    const xa = inputArg(h, x.ptr >>> 2, base + p.xOff, x.size, base, end);
    const ya = inputArg(h, y.ptr >>> 2, base + p.yOff, y.size, base, end);
    const o = this.optimizer as unknown as { lr: number; beta1?: number; beta2?: number; stepCount: number };
    const t = ++o.stepCount;
    const pw = base + p.arenaFloats;
    h[pw + H_LR] = o.lr;
    if (p.adam) {
      h[pw + H_BC1] = 1 - o.beta1! ** t;
      h[pw + H_BC2] = 1 - o.beta2! ** t;
    }
    const code = K().program_run(p.arena.ptr + p.arenaFloats * 4, p.words, p.arena.ptr, p.arenaFloats, xa, ya);
    if (code !== 0) {
      o.stepCount--;
      const f = describeFault(code);
      // NaN/Inf reached a loss: nothing was updated yet; the eager step raises the op's own error.
      if (f.kind === FAULT_NONFINITE) return this.eager(x, y, onOutput).loss;
      throw new KnobsError(`compileStep: the interpreter refused the program (${f.text}); nothing was updated. This is a bug in the compiler: please report it`);
    }
    this.compiledSteps++;
    if (onOutput) {
      const pred = Tensor._viewAt(p.arena, p.predOff, p.predShape, 'compileStep_output');
      try {
        onOutput(pred);
      } finally {
        pred.dispose();
      }
    }
    return heap()[base + p.lossOff];
  }

  /**
   * `steps` training steps in one wasm call (Keras' `steps_per_execution`): step s trains on
   * batch `(firstBatch + s) mod nb` of x and y, whose N rows (in order) are nb = N / batchSize
   * whole batches; a partial batch is refused (a ShapeError: call step() for it). The same
   * results, bit for bit, as that many step() calls on those batches. Returns each step's loss;
   * a step whose loss is not finite ends the call after it (the array is then shorter), as a
   * loop checking each loss would stop. Steps the program cannot run (tracing, another shape,
   * a fallback) run as step() calls; no `onOutput`: metrics need step().
   */
  steps(x: Tensor, y: Tensor, opts: StepsOptions): Float32Array {
    const op = `${this.op}.steps`;
    if (this.disposed) throw new KnobsError(`${op}: called after dispose()`);
    if (!(x instanceof Tensor) || !(y instanceof Tensor)) throw new KnobsError(`${op}: steps(x, y, { batchSize, steps }) takes two tensors`);
    const { batchSize, steps, firstBatch = 0 } = checkOptions(op, opts, STEPS_KEYS);
    intAtLeast(op, 'batchSize', batchSize, 1);
    intAtLeast(op, 'steps', steps, 0);
    intAtLeast(op, 'firstBatch', firstBatch, 0);
    const n = x.rank ? x.shape[0] : 0;
    if (x.rank === 0 || y.rank === 0 || y.shape[0] !== n) throw new ShapeError(`${op}: x ${fmtShape(x.shape)} and y ${fmtShape(y.shape)} need the same number of rows on axis 0`);
    if (n === 0 || n % batchSize !== 0) throw new ShapeError(`${op}: x ${fmtShape(x.shape)} is not a whole number of batches of ${batchSize} rows; drop or pad the last rows, or train the partial batch with step()`);
    if (steps + 1 > MAX_ELEMENTS / 3) throw new ShapeError(`${op}: ${steps} steps in one call are too many; split them`);
    const nb = n / batchSize;
    const xShape = [batchSize, ...x.shape.slice(1)], yShape = [batchSize, ...y.shape.slice(1)];
    const losses = new Float32Array(steps);
    let s = 0;
    while (s < steps) {
      const b = (firstBatch + s) % nb;
      const p = this.program;
      if (p && inPlace(p.state) && sameShape(xShape, p.xShape) && sameShape(yShape, p.yShape) && this.model.training === p.training && outsideBlock(p, x) && outsideBlock(p, y)) {
        const r = this.runSteps(p, x, y, b, steps - s, losses.subarray(s));
        s += r.done;
        if (r.stop) break;
        if (r.fault) {
          // NaN reached a loss: step() runs that batch again, eagerly, and raises the op's error.
          this.batchStep(x, y, xShape, yShape, (firstBatch + s) % nb);
          throw new KnobsError(`${op}: the interpreter refused step ${s} (${r.fault}) but the eager step ran. This is a bug in the compiler: please report it`);
        }
        continue;
      }
      losses[s] = this.batchStep(x, y, xShape, yShape, b);
      if (!Number.isFinite(losses[s++])) break;
    }
    return s < steps ? losses.slice(0, s) : losses;
  }

  /** One step() on batch b of x and y, through views of their rows. */
  private batchStep(x: Tensor, y: Tensor, xShape: number[], yShape: number[], b: number): number {
    const xb = Tensor._viewAt(x, b * (x.size / x.shape[0]) * xShape[0], xShape, 'steps_batch');
    const yb = Tensor._viewAt(y, b * (y.size / y.shape[0]) * yShape[0], yShape, 'steps_batch');
    try {
      return this.step(xb, yb);
    } finally {
      xb.dispose();
      yb.dispose();
    }
  }

  /** The program run `count` times in one call from batch b; losses into `out`. */
  private runSteps(p: Program, x: Tensor, y: Tensor, b: number, count: number, out: Float32Array): { done: number; stop: boolean; fault: string | null } {
    const o = this.optimizer as unknown as { lr: number; beta1?: number; beta2?: number; stepCount: number };
    // One scratch block: the losses and the count done, then Adam's bias corrections per step.
    // Kept between calls: with it a call costs ~1.2 µs besides its steps instead of ~2.5 µs.
    const need = count + 1 + (p.adam ? 2 * count : 0);
    if (!this.scratch || this.scratch.size < need) {
      this.scratch?.dispose();
      this.scratch = keep(empty([Math.max(need, SCRATCH_MIN)], 'steps_scratch'));
    }
    const scratch = this.scratch;
    const h = heap();
    const sb = scratch.ptr >>> 2;
    if (p.adam) {
      // Rounded to f32 as runProgram's header store rounds them.
      for (let i = 0, t = o.stepCount + 1; i < count; i++, t++) {
        h[sb + count + 1 + 2 * i] = 1 - o.beta1! ** t;
        h[sb + count + 2 + 2 * i] = 1 - o.beta2! ** t;
      }
    }
    h[(p.arena.ptr >>> 2) + p.arenaFloats + H_LR] = o.lr;
    const bc = p.adam ? scratch.ptr + (count + 1) * 4 : 0;
    const code = K().program_run_steps(p.arena.ptr + p.arenaFloats * 4, p.words, p.arena.ptr, p.arenaFloats, x.ptr, x.size, y.ptr, y.size, b, count, p.lossOff, bc, scratch.ptr);
    const hh = heap();
    const done = hh[sb + count];
    out.set(hh.subarray(sb, sb + done));
    o.stepCount += done;
    this.compiledSteps += done;
    const f = code === 0 ? null : describeFault(code);
    if (f && f.kind !== FAULT_NONFINITE) throw new KnobsError(`${this.op}.steps: the interpreter refused the program (${f.text}); ${done} steps ran. This is a bug in the compiler: please report it`);
    return { done, stop: !f && done < count, fault: f?.text ?? null };
  }

  /**
   * The program's own input slots, as tensors of the traced shapes (null while tracing or after a
   * fallback): data written into them (`inputs.x.data.set(batch)`) is where the program reads
   * it. (Any other tensors of the traced shapes are read where they are, without a copy, too: the
   * slots only spare the caller allocating its own.) They view the current program's arena; after
   * a retrace they are ordinary tensors again (step copies from them). Dispose them when done.
   */
  inputs(): { x: Tensor; y: Tensor } | null {
    const p = this.program;
    if (!p || this.disposed) return null;
    return { x: Tensor._viewAt(p.arena, p.xOff, p.xShape, 'compileStep_input'), y: Tensor._viewAt(p.arena, p.yOff, p.yShape, 'compileStep_target') };
  }

  /** Frees the program. The parameters stay valid (they keep the arena alive as long as they live). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.program?.arena.dispose();
    this.scratch?.dispose();
    this.scratch = null;
    this.program = null;
  }
}

/**
 * Compiles the training step of (model, loss, optimizer): see CompiledStep. The first two steps run
 * eagerly while traced; from the third, steps with the traced input shapes (and train/eval mode)
 * run as one wasm call, others eagerly. A step the interpreter cannot replay leaves every step
 * eager, with the reason in `fallbackReason`.
 */
export function compileStep(model: Module, loss: StepLoss, optimizer: Optimizer): CompiledStep {
  return new CompiledStep(model, loss, optimizer);
}
