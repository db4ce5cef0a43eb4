/**
 * ModelCheckpoint: a fit() callback that saves the model (and its optimizer) at the end of an
 * epoch, every epoch or only when a monitored log improved (Keras' ModelCheckpoint). Where it
 * saves is a path (Node: save() of knobs/node, two files) or `indexeddb://name` /
 * `downloads://name` (browsers: saveModel). `{epoch}` and `{<log key>}` in the path are replaced,
 * e.g. 'runs/mnist-{epoch}'.
 */
import { KnobsError, fmtValue } from '../errors.js';
import type { AnyModule } from '../nn/module.js';
import { checkOptions, optionKeys } from '../options.js';
import { importHidden, isNode } from '../runtime.js';
import { INDEXEDDB_SCHEME, DOWNLOADS_SCHEME, type ModelUrl } from '../io/browser-store.js';
import { saveModel, type StoreOptions } from '../io/save.js';
import type { Callback, Logs, TrainContext } from './callbacks.js';

export interface ModelCheckpointOptions {
  /** A path (Node) or indexeddb://name, downloads://name (browsers); `{epoch}` and `{<log key>}` are filled in. */
  filepath: string;
  /** Log key compared between epochs. Default 'val_loss' (as Keras). */
  monitor?: string;
  /** 'min' for losses, 'max' for accuracies; 'auto' guesses from the name. */
  mode?: 'min' | 'max' | 'auto';
  /** Save only when `monitor` improved on the best so far. Default false (every epoch, as Keras). */
  saveBestOnly?: boolean;
  /** Also save the optimizer's state (to resume training). Default true. */
  includeOptimizer?: boolean;
}

const KEYS = optionKeys<ModelCheckpointOptions>()('filepath', 'monitor', 'mode', 'saveBestOnly', 'includeOptimizer');

/** True when this module runs from TypeScript sources (vitest, tsx) rather than the built .js. */
const fromSources = /\.[cm]?ts(?:[?#].*)?$/.test(import.meta.url);

type NodeSave = (model: AnyModule, path: string, opts: StoreOptions) => Promise<unknown>;

/** Node's save(), loaded by a name bundlers do not follow (it imports node:fs). */
async function nodeSave(): Promise<NodeSave> {
  const file = fromSources ? '../io/save-node.ts' : '../io/save-node.js';
  return (await importHidden<{ save: NodeSave }>(new URL(file, import.meta.url).href)).save;
}

export class ModelCheckpoint implements Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly mode: 'min' | 'max';
  readonly saveBestOnly: boolean;
  readonly includeOptimizer: boolean;
  /** Best value of `monitor` seen (NaN before the first epoch). */
  best = NaN;
  bestEpoch = -1;
  /** Where the last save went, or null. */
  lastSaved: string | null = null;

  constructor(opts: ModelCheckpointOptions) {
    if (!opts || typeof opts !== 'object') throw new KnobsError('ModelCheckpoint: options { filepath } are required');
    checkOptions('ModelCheckpoint', opts, KEYS);
    if (typeof opts.filepath !== 'string' || opts.filepath === '') throw new KnobsError(`ModelCheckpoint: filepath must be a non-empty string, got ${fmtValue(opts.filepath)}`);
    const url = opts.filepath.startsWith(INDEXEDDB_SCHEME) || opts.filepath.startsWith(DOWNLOADS_SCHEME);
    if (!url && !isNode) throw new KnobsError(`ModelCheckpoint: in a browser filepath must be indexeddb://name or downloads://name, got ${JSON.stringify(opts.filepath)}`);
    this.filepath = opts.filepath;
    this.monitor = opts.monitor ?? 'val_loss';
    const mode = opts.mode ?? 'auto';
    if (mode !== 'min' && mode !== 'max' && mode !== 'auto') throw new KnobsError(`ModelCheckpoint: mode must be 'min', 'max' or 'auto', got ${fmtValue(mode)}`);
    this.mode = mode === 'auto' ? (/acc/.test(this.monitor) ? 'max' : 'min') : mode;
    this.saveBestOnly = opts.saveBestOnly ?? false;
    this.includeOptimizer = opts.includeOptimizer ?? true;
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = -1;
    this.lastSaved = null;
  }

  async onEpochEnd(epoch: number, logs: Logs, ctx: TrainContext): Promise<void> {
    const v = logs[this.monitor];
    // NaN never improves: a diverged epoch must not replace the best checkpoint.
    const improved = v !== undefined && !Number.isNaN(v) && (Number.isNaN(this.best) || (this.mode === 'min' ? v < this.best : v > this.best));
    if (this.saveBestOnly) {
      if (v === undefined) {
        throw new KnobsError(`ModelCheckpoint: monitor '${this.monitor}' is not in the epoch logs (have: ${Object.keys(logs).join(', ')}); pass validation to fit() or monitor another key`);
      }
      if (!improved) return;
    }
    if (improved) {
      this.best = v;
      this.bestEpoch = epoch;
    }
    const path = this.fill(epoch, logs);
    const opts: StoreOptions = { optimizer: this.includeOptimizer ? ctx.optimizer : null, metadata: { epoch, logs: { ...logs } } };
    if (path.startsWith(INDEXEDDB_SCHEME) || path.startsWith(DOWNLOADS_SCHEME)) await saveModel(ctx.model, path as ModelUrl, opts);
    else await (await nodeSave())(ctx.model, path, opts);
    this.lastSaved = path;
  }

  private fill(epoch: number, logs: Logs): string {
    return this.filepath.replace(/\{([A-Za-z_][\w]*)\}/g, (whole, key: string) => {
      if (key === 'epoch') return String(epoch);
      const v = logs[key];
      if (v === undefined) throw new KnobsError(`ModelCheckpoint: filepath ${JSON.stringify(this.filepath)} names {${key}}, which is not in the epoch logs (have: epoch, ${Object.keys(logs).join(', ')})`);
      return String(v);
    });
  }
}
