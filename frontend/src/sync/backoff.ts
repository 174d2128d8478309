/** Exponential reconnect delays with jitter; randomness is injected so tests are exact. */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** returns a number in [0, 1) */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 30_000, random: Math.random };

/** Delay before reconnect attempt `attempt` (0-based): base·2^attempt capped, then 50–100 % of it. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * options.random());
}
