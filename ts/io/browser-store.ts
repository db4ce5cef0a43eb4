/**
 * Where browser users keep a model: IndexedDB (`indexeddb://name`, survives reloads, stays on the
 * machine) and downloads (`downloads://name`: the two files Node's save() writes, name.json and
 * name.safetensors, so a model trained in a page loads in Node and back). Loading from a download
 * is loading the two files the user picks (an `<input type="file" multiple>`).
 *
 * IndexedDB keeps the weights as bytes through structured clone, so a model comes back bit for bit.
 */
import { KnobsError } from '../errors.js';

export const INDEXEDDB_SCHEME = 'indexeddb://';
export const DOWNLOADS_SCHEME = 'downloads://';
export type ModelUrl = `indexeddb://${string}` | `downloads://${string}`;

/** The JSON key holding the weights file's sha256 (hex); Node's save/load use the same one. */
export const WEIGHTS_SHA256_KEY = 'weightsSha256';

const DB_NAME = 'knobs-models';
const STORE = 'models';

export interface StoredModel {
  json: string;
  weights: Uint8Array;
  /** ISO time of the save. */
  savedAt: string;
}

export interface ModelInfo {
  url: string;
  savedAt: string;
  /** Size of the weights file in bytes. */
  weightsBytes: number;
}

/** 'indexeddb://name' → ['indexeddb', 'name'], with a clear error for anything else. */
export function parseModelUrl(url: string, op: string): ['indexeddb' | 'downloads', string] {
  for (const [scheme, kind] of [[INDEXEDDB_SCHEME, 'indexeddb'], [DOWNLOADS_SCHEME, 'downloads']] as const) {
    if (url.startsWith(scheme)) {
      const name = url.slice(scheme.length);
      if (name === '') throw new KnobsError(`${op}: ${JSON.stringify(url)} has no model name after ${scheme}`);
      return [kind, name];
    }
  }
  throw new KnobsError(`${op}: ${JSON.stringify(url)} is not indexeddb://name or downloads://name (in Node, save/load from 'knobs/node' take file paths)`);
}

function openDb(op: string): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') throw new KnobsError(`${op}: indexeddb:// needs IndexedDB (a browser page or worker); in Node use save/load from 'knobs/node'`);
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new KnobsError(`${op}: could not open IndexedDB database '${DB_NAME}': ${req.error?.message ?? 'unknown error'}`));
    // Another tab holds an older version open; without this the promise would never settle.
    req.onblocked = () => reject(new KnobsError(`${op}: IndexedDB database '${DB_NAME}' is blocked by another open tab`));
  });
}

/** Runs `fn` in one transaction and resolves with its request's result once the transaction is committed. */
async function inStore<T>(op: string, mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb(op);
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      const fail = () => reject(new KnobsError(`${op}: IndexedDB ${mode} failed: ${(tx.error ?? req.error)?.message ?? 'aborted'}`));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = fail;
      tx.onabort = fail;
    });
  } finally {
    db.close();
  }
}

export async function idbPut(name: string, json: string, weights: Uint8Array, op: string): Promise<void> {
  const record: StoredModel = { json, weights, savedAt: new Date().toISOString() };
  await inStore(op, 'readwrite', (s) => s.put(record, name));
}

export async function idbGet(name: string, op: string): Promise<StoredModel> {
  const r = await inStore<StoredModel | undefined>(op, 'readonly', (s) => s.get(name));
  if (!r) throw new KnobsError(`${op}: no model named '${name}' in IndexedDB (saved ones: ${(await listModels()).map((m) => m.url).join(', ') || 'none'})`);
  if (typeof r.json !== 'string' || !(r.weights instanceof Uint8Array)) throw new KnobsError(`${op}: the IndexedDB record '${name}' is not a knobs model`);
  return r;
}

/** The models saved to IndexedDB by saveModel(model, 'indexeddb://name'). */
export async function listModels(): Promise<ModelInfo[]> {
  const op = 'listModels';
  const db = await openDb(op);
  try {
    return await new Promise<ModelInfo[]>((resolve, reject) => {
      const out: ModelInfo[] = [];
      const req = db.transaction(STORE, 'readonly').objectStore(STORE).openCursor();
      req.onsuccess = () => {
        const c = req.result;
        if (!c) return resolve(out);
        const v = c.value as StoredModel;
        out.push({ url: INDEXEDDB_SCHEME + String(c.key), savedAt: v.savedAt, weightsBytes: v.weights?.byteLength ?? 0 });
        c.continue();
      };
      req.onerror = () => reject(new KnobsError(`${op}: ${req.error?.message ?? 'IndexedDB read failed'}`));
    });
  } finally {
    db.close();
  }
}

/** Deletes a model saved to IndexedDB; true if there was one. */
export async function removeModel(url: string): Promise<boolean> {
  const [kind, name] = parseModelUrl(url, 'removeModel');
  if (kind !== 'indexeddb') throw new KnobsError(`removeModel: only indexeddb:// models can be removed, got ${JSON.stringify(url)}`);
  const had = (await inStore<number>('removeModel', 'readonly', (s) => s.count(name))) > 0;
  await inStore('removeModel', 'readwrite', (s) => s.delete(name));
  return had;
}

async function sha256Hex(bytes: Uint8Array): Promise<string | null> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return null;
  const d = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The JSON with the weights' sha256 as its first key (as Node's save writes it), when the platform can hash. */
export async function pairJson(json: string, weights: Uint8Array): Promise<string> {
  const h = await sha256Hex(weights);
  return h === null ? json : `{${JSON.stringify(WEIGHTS_SHA256_KEY)}:${JSON.stringify(h)},${json.slice(1)}`;
}

/** Starts the browser's download of name.json and name.safetensors. */
export async function downloadPair(name: string, json: string, weights: Uint8Array, op: string): Promise<{ json: string; weights: string }> {
  if (typeof document === 'undefined') throw new KnobsError(`${op}: downloads:// needs a page (document); from a worker, post the bytes of saveModel(model) to the page`);
  const files = { json: `${name}.json`, weights: `${name}.safetensors` };
  const paired = await pairJson(json, weights);
  const start = (blob: Blob, filename: string) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    a.style.display = 'none';
    document.body.appendChild(a);
    a.click();
    a.remove();
    // The download reads the blob after click() returns; freeing it at once can cancel it.
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  };
  start(new Blob([paired], { type: 'application/json' }), files.json);
  start(new Blob([weights as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), files.weights);
  return files;
}

/** The JSON text and weights of the two files a user picked (name.json + name.safetensors), the pairing hash checked and removed. */
export async function readPickedFiles(files: ArrayLike<File> | Iterable<File>, op: string): Promise<{ json: object; weights: Uint8Array }> {
  const list = Array.from(files as Iterable<File>);
  const jsons = list.filter((f) => /\.json$/i.test(f.name));
  const weights = list.filter((f) => /\.safetensors$/i.test(f.name));
  if (list.length !== 2 || jsons.length !== 1 || weights.length !== 1) {
    throw new KnobsError(`${op}: pick the two files of one saved model, name.json and name.safetensors; got ${list.length ? list.map((f) => JSON.stringify(f.name)).join(', ') : 'no files'}`);
  }
  const [text, buf] = await Promise.all([jsons[0].text(), weights[0].arrayBuffer()]);
  const bytes = new Uint8Array(buf);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new KnobsError(`${op}: ${jsons[0].name} is not valid JSON: ${(e as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new KnobsError(`${op}: ${jsons[0].name} is not a model JSON object`);
  const { [WEIGHTS_SHA256_KEY]: want, ...rest } = parsed as Record<string, unknown>;
  if (want !== undefined) {
    const got = await sha256Hex(bytes);
    if (got !== null && got !== want) {
      throw new KnobsError(`${op}: ${weights[0].name} does not belong with ${jsons[0].name}: its sha256 is ${got}, the JSON was saved with ${JSON.stringify(want)} (files of two different saves)`);
    }
  }
  return { json: rest, weights: bytes };
}
