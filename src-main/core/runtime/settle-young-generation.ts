import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type CollectGarbage = (options?: { readonly type?: 'minor' | 'major' }) => void;

let collect: CollectGarbage | null | undefined;

/** V8's gc(), which Node hides unless started with --expose-gc: a fresh context made after the flag is set has it. */
function collector(): CollectGarbage | null {
  if (collect !== undefined) return collect;
  try {
    const exposed = (globalThis as { gc?: CollectGarbage }).gc;
    if (typeof exposed === 'function') collect = exposed;
    else {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('typeof gc === "function" ? gc : null') as CollectGarbage | null;
      collect = typeof gc === 'function' ? gc : null;
    }
  } catch {
    collect = null;
  }
  return collect;
}

/**
 * Moves what the young generation holds now into the old one, at a calm moment, so that a burst that follows
 * (a subscription's retained messages, a flood) does not pay for it. Start-up and a connection's set-up leave
 * several megabytes of young objects that live on; the first scavenges of a burst then copied and promoted them
 * in one 200–500 ms pause on a busy machine (and tens of milliseconds on an idle one), while messages waited.
 * Two young-generation collections promote every survivor; their cost is bounded by the young generation's size
 * (a full collection's would grow with the whole heap). Returns false when the runtime does not offer them.
 */
export function settleYoungGeneration(): boolean {
  const gc = collector();
  if (!gc) return false;
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  return true;
}
