import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Draft, HistoryEntry, SavedMessage } from '../../../shared/ipc/publish';

/** What the composer keeps on disk: saved messages, the send history and editor drafts. */
interface ComposerFile {
  readonly version: 1;
  saved: SavedMessage[];
  history: HistoryEntry[];
  drafts: Record<string, Draft>;
}

const HISTORY_LIMIT = 500;
/** File payloads bigger than this are not kept in history (the file stays on disk; saving it is explicit). */
const HISTORY_BYTES_LIMIT = 256 * 1024;

/** JSON cannot hold bytes: write them as {"$bytes": base64}. */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { $bytes: Buffer.from(value).toString('base64') } : value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const bytes = (value as { $bytes?: unknown }).$bytes;
    if (keys.length === 1 && typeof bytes === 'string') return Uint8Array.from(Buffer.from(bytes, 'base64'));
  }
  return value;
}

/**
 * The composer's file in the user-data folder, kept in memory and written a moment after the last
 * change (debounced), atomically (temp file, then rename), so typing never waits on the disk.
 */
export class ComposerStore {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly data: ComposerFile,
    private readonly debounceMs: number,
  ) {}

  static async open(options: { readonly userDataDir: string; readonly debounceMs?: number }): Promise<ComposerStore> {
    const dir = path.join(options.userDataDir, 'composer');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'composer.json');
    let data: ComposerFile = { version: 1, saved: [], history: [], drafts: {} };
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8'), reviver) as Partial<ComposerFile>;
      data = { version: 1, saved: parsed.saved ?? [], history: parsed.history ?? [], drafts: parsed.drafts ?? {} };
    } catch (error) {
      // A missing file is a first run; a damaged one is set aside rather than lost.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') await rename(file, `${file}.damaged-${Date.now()}`).catch(() => undefined);
    }
    return new ComposerStore(file, data, options.debounceMs ?? 300);
  }

  saved(scope?: string): SavedMessage[] {
    return this.data.saved.filter((s) => scope === undefined || s.scope === scope || s.scope === 'global');
  }

  save(entry: SavedMessage): SavedMessage {
    const at = this.data.saved.findIndex((s) => s.id === entry.id);
    if (at === -1) this.data.saved.push(entry);
    else this.data.saved[at] = entry;
    this.changed();
    return entry;
  }

  deleteSaved(id: string): boolean {
    const before = this.data.saved.length;
    this.data.saved = this.data.saved.filter((s) => s.id !== id);
    if (this.data.saved.length === before) return false;
    this.changed();
    return true;
  }

  history(limit: number): HistoryEntry[] {
    return this.data.history.slice(0, limit);
  }

  /** Newest first, bounded. */
  record(entry: HistoryEntry): void {
    const payload = entry.message.payload;
    const kept: HistoryEntry =
      payload.form === 'file' && payload.bytes.length > HISTORY_BYTES_LIMIT
        ? { ...entry, message: { ...entry.message, payload: { form: 'file', bytes: new Uint8Array(0), ...(payload.name !== undefined ? { name: payload.name } : {}) } }, error: entry.error ?? 'The file was too large to keep in history; choose it again to re-send.' }
        : entry;
    this.data.history.unshift(kept);
    if (this.data.history.length > HISTORY_LIMIT) this.data.history.length = HISTORY_LIMIT;
    this.changed();
  }

  /** Answers how many entries went. */
  clearHistory(): number {
    const count = this.data.history.length;
    this.data.history = [];
    this.changed();
    return count;
  }

  draft(scope: string): Draft | null {
    return this.data.drafts[scope] ?? null;
  }

  setDraft(scope: string, draft: Draft): void {
    this.data.drafts[scope] = draft;
    this.changed();
  }

  /** Writes pending changes now (on close). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.writing = this.writing.then(() => this.write());
    }
    await this.writing;
  }

  private changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writing = this.writing.then(() => this.write());
    }, this.debounceMs);
    this.timer.unref?.();
  }

  private async write(): Promise<void> {
    const temp = `${this.file}.tmp`;
    try {
      await writeFile(temp, JSON.stringify(this.data, replacer), { mode: 0o600 });
      await rename(temp, this.file);
    } catch {
      // A failed write leaves the previous file intact; the next change tries again.
    }
  }
}
