import { causeOf, contractError } from '../../../shared/ipc/errors';
import { chmodSync, closeSync, fdatasyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerJournal, BrokerSnapshot, JournalOp, PersistenceStore, StoredOutgoing, StoredSession } from './persistence';
import { type SubscriptionInfo } from './types';

const SNAPSHOT = 'snapshot.json';
/** The single-file state of earlier versions (FileStore): read once as the starting point. */
const LEGACY_SNAPSHOT = 'broker-state.json';
const JOURNAL = /^journal-(\d+)\.log$/;
/** Compact (new snapshot, older journals deleted) once the journal has grown past this. */
const COMPACT_BYTES = 64 * 1024 * 1024;

/** What start-up found in the folder. */
export interface Recovery {
  /** Journal records replayed on top of the snapshot. */
  readonly replayed: number;
  readonly sessions: number;
  readonly retained: number;
  /** QoS 1/2 messages in flight or queued for persistent sessions. */
  readonly messages: number;
  /** A torn last record (the process died while writing it) was ignored. */
  readonly tornTail: boolean;
}

export interface JournalStoreOptions {
  /** Flush each commit to the disk itself too (survives power loss, not only a crash of the process); slower. */
  readonly fsync?: boolean;
  readonly compactBytes?: number;
}

/**
 * Broker state on disk as a snapshot plus an append-only journal of every change since. The broker
 * records changes as it makes them and commits (one write for everything buffered) before any
 * acknowledgement leaves, so a crash of the process loses nothing it acknowledged. Compaction
 * starts a new journal generation, writes a snapshot of that moment beside it, then deletes the
 * older generations; a crash at any point leaves a snapshot and the journals that follow it.
 * Files are 0600 in a 0700 folder, re-tightened at start-up.
 */
export class JournalStore implements PersistenceStore, BrokerJournal {
  readonly journal: BrokerJournal = this;
  private fd: number | undefined;
  private generation = 0;
  private buffered: string[] = [];
  private journalBytes = 0;
  private compacting: Promise<void> | undefined;
  private readonly compactBytes: number;
  recovery: Recovery | undefined;

  constructor(
    private readonly dir: string,
    private readonly options: JournalStoreOptions = {},
  ) {
    this.compactBytes = options.compactBytes ?? COMPACT_BYTES;
  }

  async load(): Promise<BrokerSnapshot | undefined> {
    this.prepareFolder();
    const base = this.readSnapshot();
    const state = new ReplayState(base.snapshot);
    let replayed = 0;
    let tornTail = false;
    const generations = this.journalGenerations().filter((g) => g >= base.generation);
    for (const g of generations) {
      const text = readFileSync(this.journalPath(g), 'utf8');
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        if (line === '') continue;
        let op: JournalOp;
        try {
          op = JSON.parse(line) as JournalOp;
        } catch (e) {
          // Only the very end may be torn: a record cut short when the process died mid-write.
          if (g === generations[generations.length - 1] && lines.slice(i + 1).every((l) => l === '')) {
            tornTail = true;
            break;
          }
          throw contractError('PERSISTENCE_CORRUPT', `The broker journal ${this.journalPath(g)} is damaged at line ${i + 1}; move the folder ${this.dir} away to start with an empty state.`, causeOf(e));
        }
        state.apply(op);
        replayed++;
      }
    }
    this.generation = Math.max(base.generation, ...generations, 0);
    const snapshot = state.toSnapshot();
    this.recovery = {
      replayed,
      sessions: snapshot.sessions.length,
      retained: snapshot.retained.length,
      messages: snapshot.sessions.reduce((n, s) => n + s.inflight.length + s.queued.length, 0),
      tornTail,
    };
    this.openJournal(this.generation);
    // A torn tail is cut away so new records never follow half a line.
    if (tornTail) this.compactNow(snapshot);
    return base.snapshot || replayed > 0 ? snapshot : undefined;
  }

  /** Replaces everything with this snapshot (a stop, or state moved in from memory). */
  async save(snapshot: BrokerSnapshot): Promise<void> {
    this.ensureOpen();
    this.commit();
    await this.compacting;
    this.compactNow(snapshot);
  }

  record(op: JournalOp): void {
    this.buffered.push(JSON.stringify(op));
  }

  commit(): void {
    if (this.buffered.length === 0) return;
    this.ensureOpen();
    if (this.fd === undefined) return;
    const text = `${this.buffered.join('\n')}\n`;
    this.buffered = [];
    const bytes = Buffer.from(text);
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off);
    if (this.options.fsync) fdatasyncSync(this.fd);
    this.journalBytes += bytes.length;
  }

  compactIfDue(snapshot: () => BrokerSnapshot): void {
    if (this.journalBytes < this.compactBytes || this.compacting || this.fd === undefined) return;
    this.commit();
    const next = this.generation + 1;
    // The snapshot is of this instant; records from now on go to the next generation.
    const snap = snapshot();
    this.openJournal(next);
    const text = JSON.stringify({ ...snap, generation: next });
    this.compacting = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.writeSnapshotFile(text);
      this.deleteJournalsBefore(next);
    }).finally(() => {
      this.compacting = undefined;
    });
  }

  close(): void {
    this.commit();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  // ---- files ---------------------------------------------------------------

  /** Opens the current journal when the store is used without load() (a fresh store, or after close()). */
  private ensureOpen(): void {
    if (this.fd !== undefined) return;
    this.prepareFolder();
    this.generation = Math.max(this.readSnapshotGeneration(), ...this.journalGenerations(), 0);
    this.openJournal(this.generation);
  }

  private compactNow(snapshot: BrokerSnapshot): void {
    const next = this.generation + 1;
    this.openJournal(next);
    this.writeSnapshotFile(JSON.stringify({ ...snapshot, generation: next }));
    this.deleteJournalsBefore(next);
  }

  private prepareFolder(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // Payloads are users' data: only the owner may read them, whatever an older version or umask left.
      chmodSync(this.dir, 0o700);
      for (const name of readdirSync(this.dir)) {
        const file = join(this.dir, name);
        if (statSync(file).isFile()) chmodSync(file, 0o600);
      }
    } catch (e) {
      throw contractError('PERSISTENCE_READ_FAILED', `Could not prepare the broker data folder ${this.dir}; check that it can be created and is yours.`, causeOf(e));
    }
  }

  private readSnapshot(): { snapshot: BrokerSnapshot | undefined; generation: number } {
    for (const name of [SNAPSHOT, LEGACY_SNAPSHOT]) {
      const file = join(this.dir, name);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw contractError('PERSISTENCE_READ_FAILED', `Could not read the broker state file ${file}; check its permissions.`, causeOf(e));
      }
      try {
        const parsed = JSON.parse(text) as BrokerSnapshot & { generation?: number };
        if (parsed.version !== 1) throw new Error(`unknown version ${String(parsed.version)}`);
        return { snapshot: parsed, generation: parsed.generation ?? 0 };
      } catch (e) {
        throw contractError('PERSISTENCE_CORRUPT', `The broker state file ${file} is damaged; move it away to start with an empty state.`, causeOf(e));
      }
    }
    return { snapshot: undefined, generation: 0 };
  }

  private readSnapshotGeneration(): number {
    try {
      return (JSON.parse(readFileSync(join(this.dir, SNAPSHOT), 'utf8')) as { generation?: number }).generation ?? 0;
    } catch {
      return 0;
    }
  }

  private journalGenerations(): number[] {
    return readdirSync(this.dir)
      .map((n) => JOURNAL.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  }

  private journalPath(g: number): string {
    return join(this.dir, `journal-${g}.log`);
  }

  private openJournal(g: number): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.journalPath(g), 'a', 0o600);
    this.generation = g;
    this.journalBytes = 0;
  }

  private writeSnapshotFile(text: string): void {
    const tmp = join(this.dir, `${SNAPSHOT}.${process.pid}.tmp`);
    writeFileSync(tmp, text, { mode: 0o600 });
    const fd = openSync(tmp, 'r');
    try {
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, SNAPSHOT));
    rmSync(join(this.dir, LEGACY_SNAPSHOT), { force: true });
  }

  private deleteJournalsBefore(g: number): void {
    for (const old of this.journalGenerations()) if (old < g) rmSync(this.journalPath(old), { force: true });
  }
}

/** State rebuilt from a snapshot and the journal records after it. */
class ReplayState {
  private readonly retained = new Map<string, { message: StoredOutgoing['message']; storedAt: number }>();
  private readonly sessions = new Map<string, ReplaySession>();

  constructor(base: BrokerSnapshot | undefined) {
    for (const r of base?.retained ?? []) this.retained.set(r.message.topic, r);
    for (const s of base?.sessions ?? []) {
      const rs = new ReplaySession(s.clientId, s.username, s.expiryInterval);
      for (const sub of s.subscriptions) rs.subscriptions.set(sub.filter, sub);
      // Messages without a sequence number (older snapshots) are numbered after those with one.
      let seq = Math.max(0, ...[...s.inflight, ...s.queued].map((o) => o.seq ?? 0));
      for (const o of [...s.inflight, ...s.queued]) rs.outgoing.set(o.seq || ++seq, { ...o, sent: s.inflight.includes(o) });
      for (const id of s.inboundQos2) rs.inboundQos2.add(id);
      this.sessions.set(s.clientId, rs);
    }
  }

  apply(op: JournalOp): void {
    switch (op.t) {
      case 'ret':
        if (op.m.payload === '') this.retained.delete(op.m.topic);
        else this.retained.set(op.m.topic, { message: op.m, storedAt: op.at });
        return;
      case 'delret':
        for (const topic of [...this.retained.keys()]) if (topic === op.topic || (op.subtree && topic.startsWith(`${op.topic}/`))) this.retained.delete(topic);
        return;
      case 'ses': {
        const s = this.sessions.get(op.c);
        if (s) {
          s.username = op.u;
          s.expiryInterval = op.x;
        } else this.sessions.set(op.c, new ReplaySession(op.c, op.u, op.x));
        return;
      }
      case 'end':
        this.sessions.delete(op.c);
        return;
      case 'sub':
        this.sessions.get(op.c)?.subscriptions.set(op.s.filter, op.s);
        return;
      case 'unsub':
        this.sessions.get(op.c)?.subscriptions.delete(op.f);
        return;
      case 'out':
        this.sessions.get(op.c)?.outgoing.set(op.n, { message: op.m, qos: op.q, retain: op.r, ...(op.ids ? { subIds: op.ids } : {}), packetId: 0, state: 'publish', seq: op.n, sent: false });
        return;
      case 'tx': {
        const o = this.sessions.get(op.c)?.outgoing.get(op.n);
        if (o) {
          o.packetId = op.p;
          o.sent = true;
        }
        return;
      }
      case 'rel': {
        const o = this.sessions.get(op.c)?.outgoing.get(op.n);
        if (o) o.state = 'pubrel';
        return;
      }
      case 'done':
        this.sessions.get(op.c)?.outgoing.delete(op.n);
        return;
      case 'in2':
        this.sessions.get(op.c)?.inboundQos2.add(op.p);
        return;
      case 'rel2':
        this.sessions.get(op.c)?.inboundQos2.delete(op.p);
        return;
    }
  }

  toSnapshot(): BrokerSnapshot {
    return {
      version: 1,
      savedAt: Date.now(),
      retained: [...this.retained.values()],
      sessions: [...this.sessions.values()].filter((s) => s.expiryInterval > 0).map((s) => s.toStored()),
    };
  }
}

type ReplayOutgoing = { -readonly [K in keyof StoredOutgoing]: StoredOutgoing[K] } & { sent: boolean };

class ReplaySession {
  readonly subscriptions = new Map<string, SubscriptionInfo>();
  /** By sequence number, which is the order the broker queued them in. */
  readonly outgoing = new Map<number, ReplayOutgoing>();
  readonly inboundQos2 = new Set<number>();

  constructor(
    readonly clientId: string,
    public username: string | undefined,
    public expiryInterval: number,
  ) {}

  toStored(): StoredSession {
    const ordered = [...this.outgoing.entries()].sort((a, b) => a[0] - b[0]).map(([seq, o]) => ({ ...o, seq }));
    const strip = ({ sent: _sent, ...o }: ReplayOutgoing): StoredOutgoing => o;
    return {
      clientId: this.clientId,
      ...(this.username !== undefined ? { username: this.username } : {}),
      expiryInterval: this.expiryInterval,
      subscriptions: [...this.subscriptions.values()],
      inflight: ordered.filter((o) => o.sent).map(strip),
      queued: ordered.filter((o) => !o.sent).map(strip),
      inboundQos2: [...this.inboundQos2],
    };
  }
}
