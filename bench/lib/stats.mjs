/** Order statistics over latency samples (milliseconds) or throughput figures. */

export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest-rank percentile: the smallest sample with at least p% of the samples at or below it. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/** n, p50, p99, min, max and mean of latency samples. */
export function summarize(samples) {
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    n: samples.length,
    p50: median(samples),
    p99: percentile(samples, 99),
    min: samples.length ? Math.min(...samples) : NaN,
    max: samples.length ? Math.max(...samples) : NaN,
    mean: samples.length ? sum / samples.length : NaN,
  };
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function now() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Time one async call; returns [result, milliseconds]. */
export async function timed(fn) {
  const start = now();
  const result = await fn();
  return [result, now() - start];
}
