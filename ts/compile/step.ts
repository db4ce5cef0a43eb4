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
import { KnobsError, fmtShape } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { tidy } from '../scope.js';
import { Tensor } from '../tensor.js';
import { FAULT_NONFINITE, H_BC1, H_BC2, H_LR, KERNELS, describeFault } from './kernels.js';
import { assemble, inputArg } from './program.js';
import { traceDifference, traceKernels, untraced, type Range, type Trace } from './trace.js';

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
    const { arena, arenaFloats, words, off } = assemble('compileStep', trace, ranges, state, { call: lossCall, scale: lossScale, start: r.lossPtr >>> 2 }, inputs);
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
