/** The IEEE bit patterns of float32 values, for "same bits" comparisons (NaN payloads and −0 included). */
export const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = bits(a), ub = bits(b);
  return ua.every((v, i) => v === ub[i]);
}
