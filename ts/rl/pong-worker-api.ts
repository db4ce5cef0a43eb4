/**
 * The RL worker's side: trainPong() behind Comlink, one training at a time, abort by message.
 * Platform-neutral; pong-worker.ts wires it to Node or browser messaging.
 */
import * as Comlink from 'comlink';
import '../autograd.js';
import '../ops/index.js';
import { init } from '../backend/wasm.js';
import { KnobsError } from '../errors.js';
import { trainPong, type PongProgress, type PongTrainConfig, type PongTrainResult } from './train-pong.js';

/** ping()'s answer: tells the knobs Pong worker from some other script. */
export const PONG_WORKER_HELLO = 'knobs-pong-worker/1';

export interface PongWorkerApi {
  ping(): string;
  train(config: PongTrainConfig, onProgress: ((p: PongProgress) => void) | null): Promise<PongTrainResult>;
  abort(): void;
}

export function createPongWorkerApi(): PongWorkerApi {
  let running: AbortController | null = null;
  return {
    ping: () => PONG_WORKER_HELLO,
    async train(config, onProgress) {
      if (running) throw new KnobsError('trainPongInWorker: this worker is already training; use one worker per concurrent training');
      const controller = new AbortController();
      running = controller;
      try {
        await init();
        // Progress is best effort: a receiver that is gone or slow must not stop training. The
        // result travels on another channel and would overtake the last reports, so it waits
        // until every report has been delivered.
        const inFlight = new Set<Promise<unknown>>();
        const report = onProgress
          ? (p: PongProgress) => {
              const r = Promise.resolve(onProgress(p)).catch(() => undefined);
              inFlight.add(r);
              void r.then(() => inFlight.delete(r));
            }
          : undefined;
        const result = await trainPong(config, report, controller.signal);
        await Promise.all(inFlight);
        return result;
      } finally {
        running = null;
        // Frees the MessagePort behind the proxy (an open port keeps a Node process alive).
        (onProgress as unknown as { [Comlink.releaseProxy]?: () => void } | null)?.[Comlink.releaseProxy]?.();
      }
    },
    abort() {
      running?.abort();
    },
  };
}
