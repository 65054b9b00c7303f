/**
 * The first position in `sorted` (from `from` on) whose element `before` is false for, given
 * that `before` holds for a prefix of it and for nothing after: a binary search, for the
 * sorted listings and the scheduler's due list.
 */
export function lowerBound<T>(sorted: readonly T[], before: (item: T) => boolean, from = 0): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(sorted[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
