/**
 * Codes of the Rust kernels' enums (the fused dense layer's activations, broadcast_binary's
 * ops). Rust keeps the only table; TS asks it once per name instead of writing the numbers down
 * a second time, so the two sides cannot drift apart. Every build has the same codes.
 */
import { K } from './wasm.js';

const activations = new Map<string, number | undefined>();
const binaryOps = new Map<string, number | undefined>();

/** The code `dense_forward`/`dense_backward` take for an activation name; undefined if unknown. */
export function denseActivationCode(name: string): number | undefined {
  // One lookup on the hot path (every linear call); unknown names are cached as undefined too.
  const c = activations.get(name);
  if (c !== undefined || activations.has(name)) return c;
  const code = K().dense_activation_code(name);
  activations.set(name, code);
  return code;
}

/** The code `broadcast_binary` takes for an op name; undefined if unknown. */
export function broadcastOpCode(name: string): number | undefined {
  if (!binaryOps.has(name)) binaryOps.set(name, K().broadcast_op_code(name));
  return binaryOps.get(name);
}
