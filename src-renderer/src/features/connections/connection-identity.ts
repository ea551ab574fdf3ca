/**
 * How entries of the connections list are told apart when they go to the same broker: a colour per connection
 * and a name no other entry has.
 */

/** Colours for the per-connection dot, far apart in hue and readable on light and dark backgrounds. */
export const CONNECTION_COLOURS: readonly string[] = ['#3b82f6', '#e5484d', '#30a46c', '#f76b15', '#8e4ec6', '#12a594', '#d6409f', '#a18072'];

/** The first colour index no listed connection uses; when all are taken, the least used one (lowest index first). */
export function nextColour(used: readonly number[]): number {
  const counts = CONNECTION_COLOURS.map(() => 0);
  for (const i of used) if (i >= 0 && i < counts.length) counts[i] = (counts[i] ?? 0) + 1;
  let best = 0;
  for (let i = 1; i < counts.length; i++) if ((counts[i] ?? 0) < (counts[best] ?? 0)) best = i;
  return best;
}

/** `base`, or `base (2)`, `base (3)` … : the first that no name in `taken` is. */
export function distinctName(base: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base} (${n})`;
    if (!names.has(candidate)) return candidate;
  }
}

/** What the list shows for a client id: the id, or why there is none to show. */
export function clientIdLabel(clientId: string, assigned: boolean | undefined): string {
  if (clientId !== '') return assigned ? `${clientId} (assigned by the broker)` : clientId;
  return assigned ? 'assigned by the broker, not named' : 'no client id yet';
}
