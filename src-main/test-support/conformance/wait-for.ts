import { waitFor as waitUntil } from '../wait-for';

/** The suite's short form of the shared poller: a predicate, a deadline and what is awaited. */
export async function waitFor(predicate: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  await waitUntil(predicate, { timeoutMs, intervalMs: 5, what });
}
