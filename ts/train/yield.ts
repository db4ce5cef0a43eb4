/**
 * Lets the event loop run between training batches, so an AbortSignal fired by a timer, a click
 * or a worker message is seen, and a page stays responsive. setTimeout(0) is clamped to ≥ 4 ms
 * in browsers once nested, which would dominate small batches; setImmediate (Node) and a
 * MessageChannel round trip (browsers, workers) are not clamped.
 */
let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof MessageChannel !== 'undefined') {
    if (!channel) {
      channel = new MessageChannel();
      channel.port1.onmessage = () => waiting.shift()?.();
    }
    return new Promise((resolve) => {
      waiting.push(resolve);
      channel!.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
