import type { z } from 'zod';
import type { ReconnectSchema } from '../../../shared/ipc/connections';

export type ReconnectPolicy = z.output<typeof ReconnectSchema>;

/**
 * The wait before reconnect attempt `attempt` (1-based): initial × multiplier^(attempt−1), capped,
 * then spread by ±jitter so many clients dropped together don't return in step.
 */
export function reconnectDelayMs(policy: ReconnectPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = policy.initialDelayMs * Math.pow(policy.multiplier, Math.max(0, attempt - 1));
  const capped = Math.min(policy.maxDelayMs, exponential);
  const spread = capped * policy.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(capped + spread));
}

/** Whether another attempt is allowed after `attemptsMade` retries. */
export function mayRetry(policy: ReconnectPolicy, attemptsMade: number): boolean {
  return policy.enabled && (policy.maxAttempts === 0 || attemptsMade < policy.maxAttempts);
}
