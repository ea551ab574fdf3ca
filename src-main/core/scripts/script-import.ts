import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { stableStringify } from '../explorer/diff';
import { validationError } from '../ipc/serve';

/** What importing a file's decoder bindings or auto-responders did, entry by entry; nothing is dropped silently. */
export interface ScriptImportReport {
  readonly added: number;
  /** Identical to one the app already has (an export imported twice), so not added again. */
  readonly present: number;
  /** Entries refused, named by kind, position and filter, with the reason in a sentence. */
  readonly refused: readonly { readonly name: string; readonly reason: string }[];
  readonly warnings: readonly string[];
}

/** An entry that passed its schema, with the id it keeps (its own when free) and whether an equal one exists. */
export interface CheckedEntry<T> {
  readonly id: string;
  readonly value: T;
}

/** How entries of one kind are named in a refusal, and what the schema alone cannot see. */
export interface ImportCheckOptions<T> {
  /** The entry's field that names it to the user (default `filter`). */
  readonly labelKey?: string;
  /** A problem beyond the schema (a scenario that does not exist…), in a sentence; the entry is refused with it. */
  readonly problem?: (value: T) => string | undefined;
}

/**
 * Checks a file's entries one by one against the contract's own save schema, so a bad entry is refused with a
 * sentence saying which one and why, and the rest still come in. `sameAs` is the part compared for "already present"
 * (everything but the id and the on/off switch).
 */
export function checkImportedEntries<S extends z.ZodType>(
  kind: string,
  entries: readonly unknown[],
  schema: S,
  existing: readonly { readonly id: string }[],
  sameAs: (value: z.output<S> | { readonly id: string }) => unknown,
  options: ImportCheckOptions<z.output<S>> = {},
): { readonly accepted: readonly CheckedEntry<z.output<S>>[]; readonly present: number; readonly refused: ScriptImportReport['refused'] } {
  const labelKey = options.labelKey ?? 'filter';
  const taken = new Set(existing.map((e) => e.id));
  const known = new Set(existing.map((e) => stableStringify(sameAs(e))));
  const accepted: CheckedEntry<z.output<S>>[] = [];
  const refused: { name: string; reason: string }[] = [];
  let present = 0;
  entries.forEach((entry, i) => {
    const label = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)[labelKey] : undefined;
    const name = `${kind} ${i + 1}${typeof label === 'string' ? ` (${JSON.stringify(label.slice(0, 100))})` : ''}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      refused.push({ name, reason: 'The entry is not a set of fields (a JSON object) as Topiary writes them.' });
      return;
    }
    const parsed = schema.safeParse(entry);
    if (!parsed.success) {
      refused.push({ name, reason: validationError(parsed.error).message });
      return;
    }
    const value = parsed.data as z.output<S>;
    const problem = options.problem?.(value);
    if (problem !== undefined) {
      refused.push({ name, reason: problem });
      return;
    }
    const key = stableStringify(sameAs(value));
    if (known.has(key)) {
      present++;
      return;
    }
    known.add(key);
    const own = (value as { id?: unknown }).id;
    const id = typeof own === 'string' && !taken.has(own) ? own : randomUUID();
    taken.add(id);
    accepted.push({ id, value });
  });
  return { accepted, present, refused };
}
