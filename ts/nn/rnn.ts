/**
 * Recurrent layers with PyTorch's parameter names, shapes, gate order and init, so a PyTorch
 * state dict (safetensors) loads as is: RNNCell/RNN (tanh or relu), LSTMCell/LSTM (gates i, f, g, o),
 * GRUCell/GRU (gates r, z, n). Weights are stored [gates·hidden, in] as in PyTorch — unlike
 * nn.Linear's [in, out] — and transposed once per forward call, not once per time step.
 *
 * LSTM and GRU run each layer's whole sequence as one fused op (lstmSequence/gruSequence: the
 * h·W_hhᵀ products on the packed GEMM, the gate arithmetic and its backward in Rust); the plain
 * RNN is built from differentiable primitives, so autograd unrolls it through time. Truncated BPTT: carry the final state into the next batch through
 * detachState(), which cuts the graph so each backward spans one window.
 */
import { KnobsError, ShapeError, fmtShape } from '../errors.js';
import { dropout, relu, tanh } from '../ops/activations.js';
import { linear } from '../ops/dense.js';
import { add } from '../ops/elementwise.js';
import { stack } from '../ops/join.js';
import { gruSequence, lstmSequence } from '../ops/rnn.js';
import { narrow, transpose } from '../ops/layout.js';
import { Rng } from '../random.js';
import { Tensor, rand, zeros } from '../tensor.js';
import { checkConfigKeys, optionalBool, optionalSeed, positiveInt, type JsonObject, type JsonValue } from './config.js';
import { Module } from './module.js';
import { register } from './registry.js';

export type Nonlinearity = 'tanh' | 'relu';
type Kind = 'tanh' | 'relu' | 'lstm' | 'gru';
const GATES: Record<Kind, number> = { tanh: 1, relu: 1, lstm: 4, gru: 3 };

/** An LSTM's state: [h, c]. */
export type LSTMState = [h: Tensor, c: Tensor];

/**
 * One plain-RNN time step. `xi` is the input's projection x·W_ihᵀ + b_ih [batch, hidden]
 * (computed for all steps at once by the layer); whhT is W_hhᵀ [hidden, hidden].
 */
function rnnStep(kind: 'tanh' | 'relu', xi: Tensor, h: Tensor, whhT: Tensor, bhh: Tensor | null): Tensor {
  const pre = add(xi, linear(h, whhT, bhh));
  return kind === 'tanh' ? tanh(pre) : relu(pre);
}

/**
 * A whole layer over T steps from xi [T·B, G·H] (step t's batch in rows t·B…): LSTM and GRU run as one fused op
 * (ts/ops/rnn.ts), the plain RNN step by step from primitives. Returns y [T, B, H], hN, cN.
 */
function runLayer(kind: Kind, xi: Tensor, h0: Tensor, c0: Tensor | null, whh: Tensor, bhh: Tensor | null): [Tensor, Tensor, Tensor | null] {
  if (kind === 'lstm') return lstmSequence(xi, h0, c0!, whh, bhh);
  if (kind === 'gru') {
    const [y, hN] = gruSequence(xi, h0, whh, bhh);
    return [y, hN, null];
  }
  const B = h0.shape[0], H = h0.shape[1], T = xi.shape[0] / B;
  const whhT = transpose(whh);
  let h = h0;
  const outs: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    h = rnnStep(kind, narrow(xi, 0, t * B, B), h, whhT, bhh);
    outs.push(h);
  }
  return [stack(outs, 0), h, null];
}

function checkSize(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new KnobsError(`${op}: ${name} must be a positive integer, got ${v}`);
}

function checkNonlinearity(op: string, v: unknown): Nonlinearity {
  if (v !== 'tanh' && v !== 'relu') throw new KnobsError(`${op}: nonlinearity must be 'tanh' or 'relu', got ${JSON.stringify(v)}`);
  return v;
}

/**
 * PyTorch's init for every recurrent weight and bias: U(−1/√hidden, 1/√hidden). With a seed, each
 * tensor gets its own seed drawn in parameter order, so the same seed rebuilds the same layer.
 */
function uniformInit(shape: number[], hidden: number, seeds: Rng | null): Tensor {
  const k = 1 / Math.sqrt(hidden);
  return rand(shape, { low: -k, high: k, seed: seeds ? seeds.nextU32() : undefined });
}

export interface CellOptions {
  bias?: boolean;
  seed?: number;
}

/** Parameters weight_ih, weight_hh, bias_ih, bias_hh of a single cell (PyTorch's cell names). */
abstract class CellBase<In extends unknown[], Out> extends Module<In, Out> {
  readonly weight_ih: Tensor;
  readonly weight_hh: Tensor;
  readonly bias_ih: Tensor | null;
  readonly bias_hh: Tensor | null;
  protected readonly seed: number | undefined;
  constructor(protected readonly kind: Kind, readonly inputSize: number, readonly hiddenSize: number, opts: CellOptions, op: string) {
    super();
    checkSize(op, 'inputSize', inputSize);
    checkSize(op, 'hiddenSize', hiddenSize);
    this.seed = opts.seed;
    const gh = GATES[kind] * hiddenSize;
    const seeds = opts.seed === undefined ? null : new Rng(opts.seed);
    this.weight_ih = this.addParameter('weight_ih', uniformInit([gh, inputSize], hiddenSize, seeds));
    this.weight_hh = this.addParameter('weight_hh', uniformInit([gh, hiddenSize], hiddenSize, seeds));
    const bias = opts.bias !== false;
    this.bias_ih = bias ? this.addParameter('bias_ih', uniformInit([gh], hiddenSize, seeds)) : null;
    this.bias_hh = bias ? this.addParameter('bias_hh', uniformInit([gh], hiddenSize, seeds)) : null;
  }
  /** Checks x [batch, input] and a state tensor [batch, hidden] before anything is allocated. */
  protected checkInput(op: string, x: Tensor, states: (Tensor | undefined)[]): number {
    if (!(x instanceof Tensor)) throw new KnobsError(`${op}: input must be a Tensor`);
    if (x.rank !== 2 || x.shape[1] !== this.inputSize) throw new ShapeError(`${op}: input must be [batch, ${this.inputSize}], got ${fmtShape(x.shape)}`);
    const b = x.shape[0];
    for (const s of states) {
      if (s === undefined) continue;
      if (!(s instanceof Tensor) || s.rank !== 2 || s.shape[0] !== b || s.shape[1] !== this.hiddenSize) {
        throw new ShapeError(`${op}: state must be [${b}, ${this.hiddenSize}] for input ${fmtShape(x.shape)}, got ${s instanceof Tensor ? fmtShape(s.shape) : typeof s}`);
      }
    }
    return b;
  }
  protected run(x: Tensor, h: Tensor | undefined, c: Tensor | undefined): [Tensor, Tensor | null] {
    const b = x.shape[0], H = this.hiddenSize;
    const xi = linear(x, transpose(this.weight_ih), this.bias_ih);
    const [, hN, cN] = runLayer(this.kind, xi, h ?? zeros([b, H]), c ?? (this.kind === 'lstm' ? zeros([b, H]) : null), this.weight_hh, this.bias_hh);
    return [hN, cN];
  }
  protected baseConfig(): JsonObject {
    const c: JsonObject = { inputSize: this.inputSize, hiddenSize: this.hiddenSize, bias: this.bias_ih !== null };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
}

function validateCell(config: JsonObject, where: string, extra: string[] = []): Record<string, unknown> {
  const c = checkConfigKeys(config, ['inputSize', 'hiddenSize', 'bias', 'seed', ...extra], where);
  positiveInt(c, 'inputSize', where);
  positiveInt(c, 'hiddenSize', where);
  optionalBool(c, 'bias', where);
  optionalSeed(c, where);
  return c;
}

/** h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh). forward(x [batch, in], h? [batch, hidden]) → h'. */
export class RNNCell extends CellBase<[Tensor, Tensor?], Tensor> {
  static readonly type = 'RNNCell';
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions & { nonlinearity?: Nonlinearity } = {}) {
    super(checkNonlinearity('RNNCell', opts.nonlinearity ?? 'tanh'), inputSize, hiddenSize, opts, 'RNNCell');
  }
  get nonlinearity(): Nonlinearity {
    return this.kind as Nonlinearity;
  }
  forward(x: Tensor, h?: Tensor): Tensor {
    this.checkInput('RNNCell', x, [h]);
    return this.run(x, h, undefined)[0];
  }
  override config(): JsonObject {
    return { ...this.baseConfig(), nonlinearity: this.nonlinearity };
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = validateCell(config, where, ['nonlinearity']);
    if (c.nonlinearity !== undefined) checkNonlinearity(where, c.nonlinearity);
  }
  static fromConfig(config: JsonObject): RNNCell {
    RNNCell.validateConfig(config, 'RNNCell.fromConfig');
    return new RNNCell(config.inputSize as number, config.hiddenSize as number, {
      bias: config.bias as boolean | undefined,
      seed: config.seed as number | undefined,
      nonlinearity: config.nonlinearity as Nonlinearity | undefined,
    });
  }
}

/** forward(x [batch, in], [h, c]?) → [h', c'] with PyTorch's gates i, f, g, o. */
export class LSTMCell extends CellBase<[Tensor, LSTMState?], LSTMState> {
  static readonly type = 'LSTMCell';
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    super('lstm', inputSize, hiddenSize, opts, 'LSTMCell');
  }
  forward(x: Tensor, state?: LSTMState): LSTMState {
    if (state !== undefined && (!Array.isArray(state) || state.length !== 2)) throw new KnobsError('LSTMCell: state must be [h, c]');
    this.checkInput('LSTMCell', x, state ?? []);
    const [h, c] = this.run(x, state?.[0], state?.[1]);
    return [h, c!];
  }
  override config(): JsonObject {
    return this.baseConfig();
  }
  static validateConfig(config: JsonObject, where: string): void {
    validateCell(config, where);
  }
  static fromConfig(config: JsonObject): LSTMCell {
    LSTMCell.validateConfig(config, 'LSTMCell.fromConfig');
    return new LSTMCell(config.inputSize as number, config.hiddenSize as number, { bias: config.bias as boolean | undefined, seed: config.seed as number | undefined });
  }
}

/** forward(x [batch, in], h? [batch, hidden]) → h' with PyTorch's gates r, z, n. */
export class GRUCell extends CellBase<[Tensor, Tensor?], Tensor> {
  static readonly type = 'GRUCell';
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    super('gru', inputSize, hiddenSize, opts, 'GRUCell');
  }
  forward(x: Tensor, h?: Tensor): Tensor {
    this.checkInput('GRUCell', x, [h]);
    return this.run(x, h, undefined)[0];
  }
  override config(): JsonObject {
    return this.baseConfig();
  }
  static validateConfig(config: JsonObject, where: string): void {
    validateCell(config, where);
  }
  static fromConfig(config: JsonObject): GRUCell {
    GRUCell.validateConfig(config, 'GRUCell.fromConfig');
    return new GRUCell(config.inputSize as number, config.hiddenSize as number, { bias: config.bias as boolean | undefined, seed: config.seed as number | undefined });
  }
}

export interface RNNOptions {
  /** Stacked layers; layer k > 0 reads layer k−1's outputs. Default 1. */
  numLayers?: number;
  bias?: boolean;
  /** Input and output as [batch, seq, feature] instead of [seq, batch, feature]. State stays [layers, batch, hidden]. */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, while training. Default 0. */
  dropout?: number;
  /** Seeds the weights and the dropout stream. */
  seed?: number;
}

/** The state of every layer, [layers, batch, hidden] (LSTM: [h, c] of that shape). */
type AnyState = Tensor | LSTMState;

/**
 * Multi-layer recurrent network over a whole sequence. Parameters weight_ih_l{k} [G·H, in_k],
 * weight_hh_l{k} [G·H, H], bias_ih_l{k}, bias_hh_l{k} (G = 1, 4, 3 for RNN, LSTM, GRU). forward
 * returns every time step's top-layer output and the final state of every layer.
 */
abstract class RNNBase<S extends AnyState> extends Module<[Tensor, S?], [Tensor, S]> {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  /** Dropout mask stream; its position is extra state, so a resumed run masks identically. */
  readonly rng: Rng;
  protected readonly seed: number | undefined;
  private readonly weights: [wih: Tensor, whh: Tensor, bih: Tensor | null, bhh: Tensor | null][] = [];
  constructor(protected readonly kind: Kind, readonly inputSize: number, readonly hiddenSize: number, opts: RNNOptions, private readonly op: string) {
    super();
    checkSize(op, 'inputSize', inputSize);
    checkSize(op, 'hiddenSize', hiddenSize);
    this.numLayers = opts.numLayers ?? 1;
    checkSize(op, 'numLayers', this.numLayers);
    const p = opts.dropout ?? 0;
    if (!(typeof p === 'number' && p >= 0 && p < 1)) throw new KnobsError(`${op}: dropout must be in [0, 1), got ${p}`);
    this.dropout = p;
    this.bias = opts.bias !== false;
    this.batchFirst = opts.batchFirst === true;
    this.seed = opts.seed;
    this.rng = new Rng((opts.seed ?? 0) + 0x5eed);
    const gh = GATES[kind] * hiddenSize;
    const seeds = opts.seed === undefined ? null : new Rng(opts.seed);
    for (let l = 0; l < this.numLayers; l++) {
      const inp = l === 0 ? inputSize : hiddenSize;
      const wih = this.addParameter(`weight_ih_l${l}`, uniformInit([gh, inp], hiddenSize, seeds));
      const whh = this.addParameter(`weight_hh_l${l}`, uniformInit([gh, hiddenSize], hiddenSize, seeds));
      const bih = this.bias ? this.addParameter(`bias_ih_l${l}`, uniformInit([gh], hiddenSize, seeds)) : null;
      const bhh = this.bias ? this.addParameter(`bias_hh_l${l}`, uniformInit([gh], hiddenSize, seeds)) : null;
      this.weights.push([wih, whh, bih, bhh]);
    }
  }

  private checkState(s: unknown, what: string, batch: number): void {
    const want = [this.numLayers, batch, this.hiddenSize];
    if (!(s instanceof Tensor) || s.rank !== 3 || s.shape.some((d, i) => d !== want[i])) {
      throw new ShapeError(`${this.op}: ${what} must be ${fmtShape(want)} ([layers, batch, hidden]), got ${s instanceof Tensor ? fmtShape(s.shape) : typeof s}`);
    }
  }

  forward(x: Tensor, state?: S): [Tensor, S] {
    const op = this.op;
    if (!(x instanceof Tensor)) throw new KnobsError(`${op}: input must be a Tensor`);
    const layout = this.batchFirst ? '[batch, seq, input]' : '[seq, batch, input]';
    if (x.rank !== 3 || x.shape[2] !== this.inputSize) throw new ShapeError(`${op}: input must be ${layout} with input ${this.inputSize}, got ${fmtShape(x.shape)}`);
    const [T, B] = this.batchFirst ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
    if (T === 0) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has no time steps`);
    let h0: Tensor | undefined, c0: Tensor | undefined;
    if (state !== undefined) {
      if (this.kind === 'lstm') {
        if (!Array.isArray(state) || state.length !== 2) throw new KnobsError(`${op}: state must be [h, c]`);
        [h0, c0] = state as LSTMState;
        this.checkState(h0, 'h', B);
        this.checkState(c0, 'c', B);
      } else {
        h0 = state as Tensor;
        this.checkState(h0, 'state', B);
      }
    }
    const H = this.hiddenSize;
    let seq = this.batchFirst ? transpose(x, 0, 1) : x;
    const hN: Tensor[] = [], cN: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const [wih, whh, bih, bhh] = this.weights[l];
      const inp = seq.shape[2];
      // Every step's input projection in one [T·B, in]·[in, G·H] product, left 2-D: the fused
      // ops read it as [T, B, G·H], and its gradient then comes back without a reshape copy.
      const xi = linear(seq.reshape([T * B, inp]), transpose(wih), bih);
      const h = h0 ? narrow(h0, 0, l, 1).reshape([B, H]) : zeros([B, H]);
      const c = this.kind === 'lstm' ? (c0 ? narrow(c0, 0, l, 1).reshape([B, H]) : zeros([B, H])) : null;
      const [y, hL, cL] = runLayer(this.kind, xi, h, c, whh, bhh);
      seq = y;
      if (this.training && this.dropout > 0 && l < this.numLayers - 1) seq = dropout(seq, this.dropout, this.rng.nextSeed());
      hN.push(hL);
      if (cL) cN.push(cL);
    }
    const y = this.batchFirst ? transpose(seq, 0, 1) : seq;
    const hOut = stack(hN, 0);
    return [y, (this.kind === 'lstm' ? [hOut, stack(cN, 0)] : hOut) as S];
  }

  override config(): JsonObject {
    const c: JsonObject = {
      inputSize: this.inputSize,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      bias: this.bias,
      batchFirst: this.batchFirst,
      dropout: this.dropout,
    };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
  override forkRandomStreams(index: number): void {
    this.rng.setState(new Rng((this.seed ?? 0) + 0x5eed + index * 0x9e3779).getState());
  }
  override getExtraState(): JsonValue | undefined {
    return this.dropout > 0 ? { rng: this.rng.getState() } : undefined;
  }
  override setExtraState(state: JsonValue): void {
    const words = (state as { rng?: unknown } | null)?.rng;
    if (!Array.isArray(words)) throw new KnobsError(`${this.op}.setExtraState: expected { rng: [4 state words] }, got ${JSON.stringify(state)}`);
    this.rng.setState(words as number[]);
  }
}

function validateLayer(config: JsonObject, where: string, extra: string[] = []): Record<string, unknown> {
  const c = checkConfigKeys(config, ['inputSize', 'hiddenSize', 'numLayers', 'bias', 'batchFirst', 'dropout', 'seed', ...extra], where);
  positiveInt(c, 'inputSize', where);
  positiveInt(c, 'hiddenSize', where);
  if (c.numLayers !== undefined) positiveInt(c, 'numLayers', where);
  optionalBool(c, 'bias', where);
  optionalBool(c, 'batchFirst', where);
  if (c.dropout !== undefined && !(typeof c.dropout === 'number' && c.dropout >= 0 && c.dropout < 1)) throw new KnobsError(`${where}: dropout must be a number in [0, 1), got ${JSON.stringify(c.dropout)}`);
  optionalSeed(c, where);
  return c;
}

function layerOptions(config: JsonObject): RNNOptions {
  return {
    numLayers: config.numLayers as number | undefined,
    bias: config.bias as boolean | undefined,
    batchFirst: config.batchFirst as boolean | undefined,
    dropout: config.dropout as number | undefined,
    seed: config.seed as number | undefined,
  };
}

/** Elman network: h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh). forward(x, h0?) → [y, hN]. */
export class RNN extends RNNBase<Tensor> {
  static readonly type = 'RNN';
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions & { nonlinearity?: Nonlinearity } = {}) {
    super(checkNonlinearity('RNN', opts.nonlinearity ?? 'tanh'), inputSize, hiddenSize, opts, 'RNN');
  }
  get nonlinearity(): Nonlinearity {
    return this.kind as Nonlinearity;
  }
  override config(): JsonObject {
    return { ...super.config(), nonlinearity: this.nonlinearity };
  }
  static validateConfig(config: JsonObject, where: string): void {
    const c = validateLayer(config, where, ['nonlinearity']);
    if (c.nonlinearity !== undefined) checkNonlinearity(where, c.nonlinearity);
  }
  static fromConfig(config: JsonObject): RNN {
    RNN.validateConfig(config, 'RNN.fromConfig');
    return new RNN(config.inputSize as number, config.hiddenSize as number, { ...layerOptions(config), nonlinearity: config.nonlinearity as Nonlinearity | undefined });
  }
}

/** forward(x, [h0, c0]?) → [y, [hN, cN]], each state [layers, batch, hidden]. */
export class LSTM extends RNNBase<LSTMState> {
  static readonly type = 'LSTM';
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super('lstm', inputSize, hiddenSize, opts, 'LSTM');
  }
  static validateConfig(config: JsonObject, where: string): void {
    validateLayer(config, where);
  }
  static fromConfig(config: JsonObject): LSTM {
    LSTM.validateConfig(config, 'LSTM.fromConfig');
    return new LSTM(config.inputSize as number, config.hiddenSize as number, layerOptions(config));
  }
}

/** forward(x, h0?) → [y, hN]. */
export class GRU extends RNNBase<Tensor> {
  static readonly type = 'GRU';
  constructor(inputSize: number, hiddenSize: number, opts: RNNOptions = {}) {
    super('gru', inputSize, hiddenSize, opts, 'GRU');
  }
  static validateConfig(config: JsonObject, where: string): void {
    validateLayer(config, where);
  }
  static fromConfig(config: JsonObject): GRU {
    GRU.validateConfig(config, 'GRU.fromConfig');
    return new GRU(config.inputSize as number, config.hiddenSize as number, layerOptions(config));
  }
}

/**
 * The state cut from the graph, for truncated backpropagation through time: the next window
 * starts from these values but its backward stops here. The result shares memory with the input.
 *
 *   let state;
 *   for (const [x, y] of windows) {
 *     const prev = state;
 *     state = tidy(() => { const [out, s] = lstm.forward(x, prev); …loss, backward, step…; return detachState(s); });
 *     disposeState(prev);
 *   }
 */
export function detachState<S extends AnyState>(state: S): S {
  if (state instanceof Tensor) return state.detach() as S;
  if (Array.isArray(state) && state.length === 2) return [state[0].detach(), state[1].detach()] as S;
  throw new KnobsError('detachState: expected a Tensor or an LSTM state [h, c]');
}

/** Frees a state carried outside tidy() (undefined is ignored). */
export function disposeState(state: AnyState | undefined): void {
  if (state === undefined) return;
  if (state instanceof Tensor) state.dispose();
  else for (const t of state) t.dispose();
}

for (const cls of [RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU]) register(cls);
