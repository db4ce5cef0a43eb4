/** Hooks into fit(), and EarlyStopping built on them. */
import { KnobsError } from '../errors.js';
import type { Module, StateDict } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';

/**
 * Epoch results: 'loss', each metric by its name ('accuracy', 'f1', …), and with validation
 * 'val_loss', 'val_accuracy', …; batch logs also have 'size'. Only 'loss' is always there: any
 * other key reads as number | undefined, so a missing metric cannot pass for a number.
 */
export interface Logs {
  loss: number;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
  /** Batch logs only: the number of samples in the batch. */
  size?: number;
  [key: string]: number | undefined;
}
export type StopReason = 'aborted' | 'early-stopping' | 'callback';

export interface History {
  /** Indices of the epochs that completed (partial epochs are not recorded). */
  epoch: number[];
  /** One value per completed epoch for every log key. */
  history: Record<string, number[]>;
  /** Why training ended before `epochs`, or null if it ran them all. */
  stopped: StopReason | null;
  /**
   * How fit() ran the steps (absent with compile: false, or when no step ran): how many were compiled (one wasm call
   * each, see compileStep) and eager, and why they stayed eager if the step could not be compiled.
   */
  compiled?: { steps: number; eagerSteps: number; fallbackReason: string | null };
}

export interface TrainContext {
  readonly model: Module;
  readonly optimizer: Optimizer;
  readonly epochs: number;
  readonly batchesPerEpoch: number;
  readonly history: History;
  /** Ends training after the current batch (from onBatchEnd) or epoch (from onEpochEnd). */
  stop(reason?: StopReason): void;
}

/** Every hook is optional and may return a promise, which fit awaits. */
export interface Callback {
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onTrainEnd?(history: History, ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainContext): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
  onBatchBegin?(batch: number, ctx: TrainContext): void | Promise<void>;
  /** logs: this batch's loss (and accuracy), and `size`, its number of samples. */
  onBatchEnd?(batch: number, logs: Logs, ctx: TrainContext): void | Promise<void>;
}

export interface EarlyStoppingOptions {
  /** Log key to watch. Default 'val_loss' (as Keras). */
  monitor?: string;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** 'min' for losses, 'max' for accuracies; 'auto' guesses from the name. */
  mode?: 'min' | 'max' | 'auto';
  /** On stopping, put back the weights of the best epoch. */
  restoreBestWeights?: boolean;
}

/** Stops fit when `monitor` has not improved for `patience` epochs (Keras semantics). */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';
  readonly restoreBestWeights: boolean;
  best = NaN;
  bestEpoch = -1;
  /** Epoch at which training was stopped, or -1. */
  stoppedEpoch = -1;
  private wait = 0;
  private bestWeights: StateDict | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.monitor = opts.monitor ?? 'val_loss';
    this.patience = opts.patience ?? 0;
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.restoreBestWeights = !!opts.restoreBestWeights;
    const mode = opts.mode ?? 'auto';
    if (mode !== 'min' && mode !== 'max' && mode !== 'auto') throw new KnobsError(`EarlyStopping: mode must be 'min', 'max' or 'auto', got '${mode}'`);
    // Scores improve upwards, losses and errors downwards.
    this.mode = mode === 'auto' ? (/acc|precision|recall|f1|r2/.test(this.monitor) ? 'max' : 'min') : mode;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new KnobsError(`EarlyStopping: patience must be a non-negative integer, got ${opts.patience}`);
    if (!Number.isFinite(this.minDelta)) throw new KnobsError(`EarlyStopping: minDelta must be finite, got ${opts.minDelta}`);
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.wait = 0;
    this.bestWeights = null;
  }

  private improved(v: number): boolean {
    if (Number.isNaN(this.best)) return true;
    return this.mode === 'min' ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }

  onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): void {
    const v = logs[this.monitor];
    if (v === undefined) {
      throw new KnobsError(`EarlyStopping: monitor '${this.monitor}' is not in the epoch logs (have: ${Object.keys(logs).join(', ')}); pass validation to fit() or monitor another key`);
    }
    if (this.improved(v)) {
      this.best = v;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.restoreBestWeights) this.bestWeights = ctx.model.stateDict();
      return;
    }
    this.wait++;
    // Keras: stop once `patience` epochs in a row failed to improve (wait ≥ 1 here).
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      if (this.restoreBestWeights && this.bestWeights) ctx.model.loadStateDict(this.bestWeights);
      ctx.stop('early-stopping');
    }
  }
}
