/**
 * The 2-D PCA projection the word2vec page draws: a few dozen word vectors at most, so the two
 * leading eigenvectors of the n × n Gram matrix of the centred rows (power iteration with
 * deflation) are enough — n² · d work, far below a millisecond, and no library estimator needed.
 * Scores are u_k·√λ_k, the same coordinates as projecting on the covariance's principal axes
 * (up to each axis's sign, which is fixed so the largest |score| is positive).
 */
export interface Projection {
  /** [x, y] per row. */
  points: [number, number][];
  /** Share of the total variance each of the two axes explains. */
  explained: [number, number];
}

export function pca2(rows: readonly Float32Array[]): Projection {
  const n = rows.length;
  if (n === 0) return { points: [], explained: [0, 0] };
  const d = rows[0].length;
  const mean = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  const c = rows.map((r) => Float64Array.from(r, (v, j) => v - mean[j]));
  const gram = new Float64Array(n * n);
  for (let a = 0; a < n; a++)
    for (let b = a; b < n; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += c[a][j] * c[b][j];
      gram[a * n + b] = gram[b * n + a] = s;
    }
  let trace = 0;
  for (let a = 0; a < n; a++) trace += gram[a * n + a];
  const axes: Float64Array[] = [], lambdas: number[] = [];
  for (let k = 0; k < 2; k++) {
    // A fixed, non-symmetric start: deterministic, and not orthogonal to the leading axis in practice.
    let u = Float64Array.from({ length: n }, (_, i) => 1 + ((i * 7919 + k * 104729) % 97) / 97);
    let lambda = 0;
    for (let it = 0; it < 500; it++) {
      const v = new Float64Array(n);
      for (let a = 0; a < n; a++) {
        let s = 0;
        for (let b = 0; b < n; b++) s += gram[a * n + b] * u[b];
        v[a] = s;
      }
      // Deflation: remove the axes already found.
      for (let p = 0; p < axes.length; p++) {
        let dot = 0;
        for (let a = 0; a < n; a++) dot += v[a] * axes[p][a];
        for (let a = 0; a < n; a++) v[a] -= dot * axes[p][a];
      }
      let norm = 0;
      for (let a = 0; a < n; a++) norm += v[a] * v[a];
      norm = Math.sqrt(norm);
      if (norm === 0) break;
      for (let a = 0; a < n; a++) v[a] /= norm;
      const change = v.reduce((m, x, a) => Math.max(m, Math.abs(x - u[a])), 0);
      u = v;
      lambda = norm;
      if (change < 1e-12) break;
    }
    let big = 0;
    for (let a = 0; a < n; a++) if (Math.abs(u[a]) > Math.abs(big)) big = u[a];
    if (big < 0) u = u.map((x) => -x);
    axes.push(u);
    lambdas.push(lambda);
  }
  const s0 = Math.sqrt(lambdas[0]), s1 = Math.sqrt(lambdas[1]);
  return {
    points: Array.from({ length: n }, (_, a) => [axes[0][a] * s0, axes[1][a] * s1] as [number, number]),
    explained: trace > 0 ? [lambdas[0] / trace, lambdas[1] / trace] : [0, 0],
  };
}
