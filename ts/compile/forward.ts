/**
 * The compiled forward pass behind predict(): model.forward on batches of one shape, traced twice
 * eagerly (no gradient) and then replayed in one wasm call per batch, with the eager outputs' bits.
 * Same rules as compileStep (step.ts): a kernel the interpreter lacks, or traces that differ, keep
 * it eager; a batch of another shape (the last one) runs eagerly.
 */
import { noGrad } from '../autograd.js';
import { heap, K } from '../backend/wasm.js';
import { KnobsError } from '../errors.js';
import type { Module } from '../nn/module.js';
import { Tensor, empty } from '../tensor.js';
import { describeFault } from './kernels.js';
import { assemble, inputArg, type Assembled } from './program.js';
import { traceDifference, traceKernels, type Trace } from './trace.js';

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

export class CompiledForward {
  fallbackReason: string | null = null;
  compiledCalls = 0;
  eagerCalls = 0;
  private first: { trace: Trace; shape: readonly number[] } | null = null;
  private program: (Assembled & { xShape: readonly number[]; xOff: number; yOff: number; yShape: readonly number[] }) | null = null;

  constructor(readonly model: Module) {}

  private state(): Tensor[] {
    return [...new Set([...this.model.parameters(), ...this.model.buffers()])].filter((t) => !t.isDisposed && t.size > 0);
  }

  /** model.forward(x) without a graph; a new tensor the caller owns (inside its tidy()). */
  forward(x: Tensor): Tensor {
    const p = this.program;
    if (p && same(x.shape, p.xShape)) return this.run(p, x);
    if (p || this.fallbackReason || (this.first && !same(this.first.shape, x.shape))) {
      this.eagerCalls++;
      return noGrad(() => this.model.forward(x));
    }
    const state = this.state();
    const rs = [...state, x].map((t) => [t.ptr >>> 2, (t.ptr >>> 2) + t.size] as const);
    const within = (start: number, len: number) => rs.some(([a, b]) => start < b && a < start + len);
    this.eagerCalls++;
    const { result: y, trace } = traceKernels(within, () => noGrad(() => this.model.forward(x)));
    if (!(y instanceof Tensor)) throw new KnobsError('predict: the model must return one tensor');
    if (trace.unsupported) this.fallbackReason = trace.unsupported;
    else if (!this.first) this.first = { trace, shape: [...x.shape] };
    else {
      const stateOnly = (start: number, len: number) => state.some((t) => start < (t.ptr >>> 2) + t.size && t.ptr >>> 2 < start + len);
      this.fallbackReason = traceDifference(this.first.trace, trace, stateOnly);
      if (!this.fallbackReason) {
        try {
          const extra = [...state, x, y].map((t) => ({ start: t.ptr >>> 2, len: t.size }));
          const a = assemble('predict', trace, extra, state, null, [{ start: x.ptr >>> 2, len: x.size }]);
          this.program = { ...a, xShape: [...x.shape], xOff: a.off(x.ptr >>> 2, x.size), yOff: a.off(y.ptr >>> 2, y.size), yShape: [...y.shape] };
        } catch (e) {
          if (!(e instanceof KnobsError)) throw e;
          this.fallbackReason = e.message;
        }
      }
      this.first = null;
    }
    return y;
  }

  private run(p: NonNullable<CompiledForward['program']>, x: Tensor): Tensor {
    const out = empty(p.yShape, 'predict');
    const h = heap();
    const base = p.arena.ptr >>> 2;
    const xa = inputArg(h, x.ptr >>> 2, base + p.xOff, x.size, base, base + p.arenaFloats + p.words);
    const code = K().program_run(p.arena.ptr + p.arenaFloats * 4, p.words, p.arena.ptr, p.arenaFloats, xa, 0);
    if (code !== 0) {
      out.dispose();
      // NaN/Inf checks only live in losses; anything else is a compiler bug.
      throw new KnobsError(`predict: the interpreter refused the program (${describeFault(code).text}); this is a bug in the compiler: please report it`);
    }
    const hh = heap();
    hh.copyWithin(out.ptr >>> 2, base + p.yOff, base + p.yOff + out.size);
    this.compiledCalls++;
    return out;
  }

  dispose(): void {
    this.program?.arena.dispose();
    this.program = null;
  }
}
