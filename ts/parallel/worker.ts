/**
 * Entry script of a data-parallel replica (browser module Worker or Node worker_threads). It only
 * wires messages to a Replica. Like the training worker, it does not import the package index,
 * whose `new Worker(new URL(...))` would make a bundler nest the worker in itself.
 */
import { importHidden } from '../runtime.js';
import { Replica, errorText, type Post } from './replica.js';
import type { MainToWorker } from './protocol.js';

interface Port {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
}

function serve(port: Port, listen: (fn: (m: MainToWorker) => void) => void): void {
  const post: Post = (msg, transfer) => port.postMessage(msg, transfer ?? []);
  let replica: Promise<Replica> | null = null;
  // Messages run one at a time in arrival order: a step never overlaps a state request.
  let queue: Promise<unknown> = Promise.resolve();
  listen((m) => {
    queue = queue.then(() => handle(m)).catch((e) => post({ type: 'fatal', message: errorText(e) }));
  });
  async function handle(m: MainToWorker): Promise<void> {
    switch (m.type) {
      case 'init': {
        replica = Replica.create(m);
        const r = await replica;
        // The shared loop runs for the worker's life, beside the message queue.
        if (m.transport === 'shared') r.runSharedLoop(post);
        post({ type: 'ready', index: m.index, nParams: r.nParams });
        return;
      }
      case 'step':
        return (await replica!).runMessageStep(m, post);
      case 'buffers':
        (await replica!).setInputs(m.x, m.y, m.sampleShape);
        return post({ type: 'ack', id: m.id });
      case 'timings':
        return post({ type: 'timings', id: m.id, timings: (await replica!).takeTimings(m.reset) });
      case 'state': {
        const { state, optimizerState } = (await replica!).stateDict();
        return post({ type: 'state', id: m.id, state, optimizerState });
      }
    }
  }
}

const WGS = (globalThis as { WorkerGlobalScope?: abstract new () => unknown }).WorkerGlobalScope;
if (WGS !== undefined && globalThis instanceof WGS) {
  // Synchronously, so messages that arrived while the module loaded find a listener.
  const self = globalThis as unknown as { postMessage: Port['postMessage']; onmessage: ((ev: MessageEvent) => void) | null };
  serve({ postMessage: (m, t) => self.postMessage(m, t) }, (fn) => (self.onmessage = (ev) => fn(ev.data)));
} else {
  // Node; the name is hidden from bundlers. A Node port buffers messages until a listener exists.
  void importHidden<typeof import('node:worker_threads')>('node:worker_threads').then(({ parentPort }) => {
    if (!parentPort) throw new Error('knobs parallel worker: start this script as a worker (DataParallel.create does), not directly');
    serve(parentPort as unknown as Port, (fn) => parentPort.on('message', fn));
  });
}
