/** Messages between demo/text.ts (the page) and demo/text-worker.ts. */
export type FromPage =
  | { type: 'start'; textUrl: string; chars: number; hidden: number; seed: number; temperature: number; sampleEvery: number; sampleLength: number }
  | { type: 'temperature'; value: number }
  | { type: 'stop' };

export type ToPage =
  | { type: 'ready'; chars: number; vocab: number }
  | { type: 'progress'; step: number; epoch: number; perplexity: number }
  | { type: 'sample'; step: number; temperature: number; text: string }
  | { type: 'stopped'; step: number }
  | { type: 'error'; message: string };
