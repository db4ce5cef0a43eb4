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
        // Progress is best effort: a receiver that is gone or slow must not stop training.
        const report = onProgress ? (p: PongProgress) => void Promise.resolve(onProgress(p)).catch(() => undefined) : undefined;
        return await trainPong(config, report, controller.signal);
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
