/**
 * The RL worker's side: trainPong() behind Comlink, one training at a time, abort by message.
 * Platform-neutral; pong-worker.ts wires it to Node or browser messaging.
 */
import * as Comlink from 'comlink';
import '../autograd.js';
import '../ops/index.js';
import { init } from '../backend/wasm.js';
import { KnobsError } from '../errors.js';
import type { PongClip } from './pong-clip.js';
import { trainPong, type PongProgress, type PongTrainConfig, type PongTrainResult } from './train-pong.js';

/** ping()'s answer: tells the knobs Pong worker from some other script. */
export const PONG_WORKER_HELLO = 'knobs-pong-worker/1';

export interface PongWorkerApi {
  ping(): string;
  /** `config` without its callbacks (they cannot be posted): clips go to `onClip` instead. */
  train(config: Omit<PongTrainConfig, 'onClip'>, onProgress: ((p: PongProgress) => void) | null, onClip?: ((c: PongClip) => void) | null): Promise<PongTrainResult>;
  abort(): void;
}

export function createPongWorkerApi(): PongWorkerApi {
  let running: AbortController | null = null;
  return {
    ping: () => PONG_WORKER_HELLO,
    async train(config, onProgress, onClip) {
      if (running) throw new KnobsError('trainPongInWorker: this worker is already training; use one worker per concurrent training');
      const controller = new AbortController();
      running = controller;
      try {
        await init();
        // Progress and clips are best effort: a receiver that is gone or slow must not stop
        // training. The result travels on another channel and would overtake the last reports,
        // so it waits until every report has been delivered.
        const inFlight = new Set<Promise<unknown>>();
        const bestEffort = <T>(send: ((x: T) => void) | null | undefined) =>
          send
            ? (x: T) => {
                const r = Promise.resolve(send(x)).catch(() => undefined);
                inFlight.add(r);
                void r.then(() => inFlight.delete(r));
              }
            : undefined;
        const result = await trainPong({ ...config, onClip: bestEffort(onClip) }, bestEffort(onProgress), controller.signal);
        await Promise.all(inFlight);
        return result;
      } finally {
        running = null;
        // Frees the MessagePorts behind the proxies (an open port keeps a Node process alive).
        for (const p of [onProgress, onClip]) (p as unknown as { [Comlink.releaseProxy]?: () => void } | null | undefined)?.[Comlink.releaseProxy]?.();
      }
    },
    abort() {
      running?.abort();
    },
  };
}
