/**
 * Starting workers, shared by trainInWorker (worker/) and DataParallel (parallel/): the Node
 * worker type, the error a dead worker gives, and a Node start that can run a .ts script from the
 * sources. Where each worker script lives stays with its caller.
 */
import { KnobsError } from './errors.js';
import { importHidden, isNode } from './runtime.js';

/** The Node worker_threads Worker, typed structurally so browser builds need no Node types. */
export interface NodeWorkerLike {
  threadId: number;
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  terminate(): Promise<number>;
}
export type TrainWorker = Worker | NodeWorkerLike;

/** Failure of the worker itself (did not start, crashed, exited, was terminated). */
export class WorkerError extends KnobsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'WorkerError';
    if (options && 'cause' in options) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** Node (main thread or worker_threads). */
export const isNodeRuntime = isNode;

export function isNodeWorker(w: TrainWorker): w is NodeWorkerLike {
  return typeof (w as NodeWorkerLike).on === 'function' && typeof (w as NodeWorkerLike).threadId === 'number';
}

/**
 * Node 20 does not apply module hooks that a worker's own `--import tsx` registers to that worker's
 * modules, so a .ts script is started through a CommonJS bootstrap that loads it with tsx's
 * tsImport() (hooks registered at run time do apply). An import failure is rethrown outside the
 * promise, so it reaches the parent as the worker's 'error' event like any other crash.
 */
async function tsBootstrap(url: URL, op: string): Promise<string> {
  const [mod, fs, nodeUrl] = await Promise.all([
    importHidden<typeof import('node:module')>('node:module'),
    importHidden<typeof import('node:fs')>('node:fs'),
    importHidden<typeof import('node:url')>('node:url'),
  ]);
  let api: URL;
  try {
    // The ESM build of tsx's API, found through its package.json (its CommonJS build cannot
    // register hooks from inside a worker on Node 20).
    const pkgPath = mod.createRequire(import.meta.url).resolve('tsx/package.json');
    const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
    api = new URL(pkg.exports['./esm/api'].import!.default!, nodeUrl.pathToFileURL(pkgPath));
  } catch {
    throw new WorkerError(`${op}: the worker script ${url.href} is TypeScript and needs the 'tsx' package (with its ./esm/api entry) to run in Node; install tsx, or use the built .js`);
  }
  return `import(${JSON.stringify(api.href)}).then((tsx) => tsx.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)})).catch((e) => setTimeout(() => { throw e; }));`;
}


/** Node: starts `url` as a worker_threads Worker (a .ts script through tsx). */
export async function startNodeWorker(url: URL, execArgv: string[] | undefined, op: string): Promise<NodeWorkerLike> {
  const { Worker: NodeWorker } = await importHidden<typeof import('node:worker_threads')>('node:worker_threads');
  if (/\.[cm]?ts$/.test(url.pathname)) return new NodeWorker(await tsBootstrap(url, op), { eval: true, execArgv }) as unknown as NodeWorkerLike;
  return new NodeWorker(url, { execArgv }) as unknown as NodeWorkerLike;
}
