import type { DecodedView } from '../../../shared/ipc/explorer';
import type { ScriptMessage } from '../scripts/script-types';
import { PREVIEW_CHARS } from './preview';

/** What decodes the tree's previews: the user's decoder bindings. */
export interface PreviewDecoder {
  /** Whether a binding applies to the topic (cheap: called for every row on screen). */
  hasBinding(topic: string): boolean;
  /** Decodes many messages in one crossing; undefined where no binding applies. */
  decodeBatch(messages: readonly ScriptMessage[]): Promise<readonly (DecodedView | undefined)[]>;
}

interface Entry {
  /** The message number (per topic) the text was decoded from. */
  readonly n: number;
  /** null: the decoder failed on this message, so the row shows the raw preview. */
  readonly text: string | null;
}

/** Topics whose decoded preview is remembered; beyond it the oldest go (a screen shows a few dozen rows). */
const CACHE_LIMIT = 5_000;
/** Messages decoded in one crossing to the sandbox. */
const BATCH_LIMIT = 200;

/**
 * The tree's previews decoded with the user's bindings, lazily: only rows on screen ask, each topic's
 * last message is decoded once (cached by topic and message number), one batch is in flight at a time,
 * and a row whose decoder fails falls back to its raw preview. While a newer message is being decoded the
 * row keeps its previous decoded text, so a flood neither waits on the sandbox nor flickers.
 */
export class DecodedPreviews {
  private readonly cache = new Map<string, Entry>();
  private readonly pending = new Map<string, ScriptMessage & { readonly n: number }>();
  /** What the batch in flight decodes, per topic: asked again meanwhile, it is not queued twice. */
  private readonly decoding = new Map<string, number>();
  private inFlight = false;
  /** Counts invalidations: a batch decoded before one is thrown away. */
  private epoch = 0;
  /** Moves whenever decoded texts arrive (or the bindings change): the tree must be asked for again. */
  generation = 0;

  constructor(
    private readonly decoder: PreviewDecoder,
    private readonly ready: () => void,
  ) {}

  /**
   * The decoded preview of a row, or undefined when the row has no binding or nothing decoded yet
   * (show the raw preview). `message` is read only when the row must be decoded.
   */
  previewOf(topic: string, n: number, message: () => ScriptMessage | undefined): string | undefined {
    if (n === 0 || !this.decoder.hasBinding(topic)) return undefined;
    const entry = this.cache.get(topic);
    if ((entry === undefined || entry.n !== n) && this.decoding.get(topic) !== n && this.pending.get(topic)?.n !== n) {
      const m = message();
      if (m !== undefined) this.request({ ...m, n });
    }
    return entry?.text ?? undefined;
  }

  /** The bindings changed: every decoded preview is stale. */
  invalidate(): void {
    this.cache.clear();
    // A batch in flight was decoded with the old bindings: let the rows ask again.
    this.decoding.clear();
    this.epoch++;
    this.generation++;
    this.ready();
  }

  private request(message: ScriptMessage & { readonly n: number }): void {
    this.pending.set(message.topic, message);
    if (!this.inFlight) void this.flush();
  }

  private async flush(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.pending.size > 0) {
        const batch = [...this.pending.values()].slice(0, BATCH_LIMIT);
        for (const m of batch) {
          this.pending.delete(m.topic);
          this.decoding.set(m.topic, m.n);
        }
        const epoch = this.epoch;
        let views: readonly (DecodedView | undefined)[];
        try {
          views = await this.decoder.decodeBatch(batch);
        } catch {
          // The sandbox failed as a whole (it restarts itself): these rows keep their raw preview for now.
          views = batch.map(() => undefined);
        }
        if (epoch !== this.epoch) continue;
        batch.forEach((m, i) => {
          this.decoding.delete(m.topic);
          this.remember(m.topic, { n: m.n, text: previewText(views[i]) });
        });
        this.generation++;
        this.ready();
      }
    } finally {
      this.inFlight = false;
    }
  }

  private remember(topic: string, entry: Entry): void {
    this.cache.delete(topic);
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(topic, entry);
  }
}

/** One line of a decoded value for a tree row; null when it could not be decoded. */
export function previewText(view: DecodedView | undefined): string | null {
  if (view === undefined || !view.ok) return null;
  let text: string;
  if (view.value !== undefined && typeof view.value !== 'string') {
    try {
      text = JSON.stringify(view.value) ?? '';
    } catch {
      text = view.text;
    }
  } else {
    text = typeof view.value === 'string' ? view.value : view.text;
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}
