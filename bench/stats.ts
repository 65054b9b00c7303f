/** min / median / max of repeated runs, and percentiles of one run's samples. */
export interface Spread {
  min: number;
  median: number;
  max: number;
  runs: number[];
}

export function spread(runs: number[]): Spread {
  const s = [...runs].sort((a, b) => a - b);
  return { min: s[0], median: percentile(s, 50, true), max: s[s.length - 1], runs };
}

/** The p-th percentile by nearest rank; `sorted` skips the copy when the caller sorted already. */
export function percentile(values: number[], p: number, sorted = false): number {
  if (values.length === 0) return NaN;
  const s = sorted ? values : [...values].sort((a, b) => a - b);
  if (p === 50 && s.length % 2 === 0) return (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1];
}

/** Three significant figures, thousands grouped: 27,400 / 3.52 / 0.812. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}
