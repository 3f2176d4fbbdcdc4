/**
 * Stress suites run in two sizes: a reduced one inside `npm test` (seconds each, so CI keeps them honest) and
 * the full figures with `HFS_STRESS=1 npm test`.
 */
export const STRESS = process.env.HFS_STRESS === "1";

/** The reduced figure normally, the full one under `HFS_STRESS=1`. */
export function pick<T>(reduced: T, full: T): T {
  return STRESS ? full : reduced;
}
