import { randomUUID } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ConnectionId, Deleted, MessageView } from '../../../shared/ipc/common';
import type { ParsedArg } from '../../../shared/ipc/contract';
import { contractError } from '../../../shared/ipc/errors';
import { type ResponderCountersInfo, ResponderIdSchema, type ResponderInfo, ResponderResponseSchema, type ResponderRule, SaveResponderArgsSchema } from '../../../shared/ipc/responders';
import { checkImportedEntries, type ScriptImportReport } from '../scripts/script-import';
import { toScriptMessage } from '../scripts/script-message';
import { ScriptSandbox } from '../scripts/script-sandbox';
import type { ScriptPublish } from '../scripts/script-types';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file';
import { AutoResponders, type RuleProblem } from './auto-responders';

/** The file's shape, checked on reading: a hand-edited or damaged file must not reach the sandbox half-formed. */
const StoredRuleSchema = z
  .object({
    id: ResponderIdSchema,
    filter: z.string().max(65_535),
    enabled: z.boolean(),
    predicate: z.string().max(200_000).optional(),
    response: ResponderResponseSchema,
    topic: z.string().max(65_535).optional(),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]),
    retain: z.boolean(),
    contentType: z.string().max(1_000).optional(),
    perSecond: z.number().positive().max(1_000),
  })
  .strict();
const RulesFileSchema = z.object({ version: z.literal(1), rules: z.array(StoredRuleSchema) }).strict();
type StoredRule = z.output<typeof StoredRuleSchema>;

const ZERO: ResponderCountersInfo = { matched: 0, responded: 0, declined: 0, noResponseTopic: 0, rateLimited: 0, failed: 0, lastError: null };
/** How often moving counters are told to the windows. */
const COUNTERS_INTERVAL_MS = 500;

export interface RespondersServiceOptions {
  readonly userDataDir: string;
  /** The built script sandbox worker (script-worker.cjs). */
  readonly workerFile: string;
  /** Sends a response on the connection the request came in on. */
  readonly publish: (connectionId: ConnectionId, message: ScriptPublish) => Promise<void>;
  readonly changed: (rules: readonly ResponderInfo[]) => void;
}

/**
 * The app's auto-responders: rules kept in `responders/rules.json` in the user-data folder, answering the
 * messages of every open connection on that connection, in the core (no window needed).
 */
export class RespondersService {
  private problems = new Map<string, RuleProblem>();
  private queue: Promise<unknown> = Promise.resolve();
  private lastCounters = '';
  private anyEnabled = false;
  private readonly timer: ReturnType<typeof setInterval>;

  private constructor(
    private readonly file: string,
    private stored: readonly StoredRule[],
    private readonly sandbox: ScriptSandbox,
    private readonly responders: AutoResponders<ConnectionId>,
    private readonly changed: RespondersServiceOptions['changed'],
  ) {
    this.timer = setInterval(() => this.tellCounters(), COUNTERS_INTERVAL_MS);
    this.timer.unref?.();
  }

  static async open(options: RespondersServiceOptions): Promise<RespondersService> {
    const dir = path.join(options.userDataDir, 'responders');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'rules.json');
    let stored: readonly StoredRule[] = [];
    try {
      const text = await readFileIfExists(file);
      if (text !== undefined) stored = RulesFileSchema.parse(JSON.parse(text)).rules;
    } catch {
      // A damaged file is set aside rather than lost; the app starts with no rules.
      await rename(file, `${file}.damaged-${Date.now()}`).catch(() => undefined);
    }
    const sandbox = new ScriptSandbox({ workerFile: options.workerFile });
    const responders = new AutoResponders<ConnectionId>({
      sandbox,
      publish: async (message, connectionId) => {
        if (connectionId === undefined) throw new Error('a response with no connection to send it on');
        await options.publish(connectionId, message);
      },
    });
    const service = new RespondersService(file, stored, sandbox, responders, options.changed);
    await service.apply();
    return service;
  }

  list(): readonly ResponderInfo[] {
    const counters = new Map(this.responders.counters().map((c) => [c.id, c]));
    return this.stored.map((rule) => {
      const c = counters.get(rule.id);
      const problem = this.problems.get(rule.id);
      return {
        ...rule,
        problem: problem ? { message: problem.message, ...(problem.line !== undefined ? { line: problem.line } : {}), ...(problem.column !== undefined ? { column: problem.column } : {}) } : null,
        counters: c
          ? { matched: c.matched, responded: c.responded, declined: c.declined, noResponseTopic: c.noResponseTopic, rateLimited: c.rateLimited, failed: c.failed, lastError: c.lastError }
          : ZERO,
      };
    });
  }

  save(args: ParsedArg<'responders.save'>): Promise<ResponderInfo> {
    return this.serial(async () => {
      const id = args.id ?? randomUUID();
      const at = this.stored.findIndex((r) => r.id === id);
      if (args.id !== undefined && at < 0) throw contractError('NOT_FOUND', `There is no responder rule ${args.id}; it may have been deleted in another window.`);
      const rule: StoredRule = { ...args, id };
      this.stored = at < 0 ? [...this.stored, rule] : this.stored.map((r, i) => (i === at ? rule : r));
      await this.persist(true);
      return this.list().find((r) => r.id === id)!;
    });
  }

  delete(id: string): Promise<Deleted> {
    return this.serial(async () => {
      const before = this.stored.length;
      this.stored = this.stored.filter((r) => r.id !== id);
      if (this.stored.length === before) return { deleted: 0 };
      await this.persist(true);
      return { deleted: 1 };
    });
  }

  setEnabled(id: string, enabled: boolean): Promise<ResponderInfo> {
    return this.serial(async () => {
      const at = this.stored.findIndex((r) => r.id === id);
      if (at < 0) throw contractError('NOT_FOUND', `There is no responder rule ${id}; it may have been deleted in another window.`);
      this.stored = this.stored.map((r, i) => (i === at ? { ...r, enabled } : r));
      // A rule in force is switched in place, keeping its counters; one that was never built (disabled at start, or a problem) is built now.
      const inPlace = this.responders.setEnabled(id, enabled);
      this.noteEnabled();
      await this.persist(!inPlace);
      return this.list().find((r) => r.id === id)!;
    });
  }

  /** The saved rules as a profiles export carries them. */
  exportEntries(): readonly StoredRule[] {
    return this.stored;
  }

  /**
   * Adds the rules of an imported file, switched off: a rule publishes on every open connection, so it starts only
   * when the user, having read it, switches it on. Each entry is checked like a saved one; a bad one is refused with why.
   */
  importEntries(entries: readonly unknown[]): Promise<ScriptImportReport> {
    return this.serial(async () => {
      const { accepted, present, refused } = checkImportedEntries('Auto-responder', entries, SaveResponderArgsSchema, this.stored, (r) => {
        const { id: _id, enabled: _enabled, ...rest } = r as StoredRule;
        return rest;
      });
      if (accepted.length > 0) {
        this.stored = [...this.stored, ...accepted.map(({ id, value }): StoredRule => ({ ...value, id, enabled: false }))];
        await this.persist(true);
      }
      const warnings = accepted.flatMap(({ id, value }) => {
        const problem = this.problems.get(id);
        return problem === undefined ? [] : [`The auto-responder on ${value.filter} was imported with a problem: ${problem.message}`];
      });
      return { added: accepted.length, present, refused, warnings };
    });
  }

  /** A message a connection received: every enabled rule whose filter matches answers it on that connection. */
  handle(connectionId: ConnectionId, message: MessageView): void {
    // Every message of every connection passes here: with no rule switched on, it costs one comparison.
    if (!this.anyEnabled) return;
    void this.responders.handle(toScriptMessage(message), connectionId);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.queue.catch(() => undefined);
    await this.responders.close();
    await this.sandbox.close();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async persist(reapply: boolean): Promise<void> {
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, rules: [...this.stored] }, null, 2)}\n`);
    if (reapply) await this.apply();
    this.tell();
  }

  /** Puts the stored rules in force (disabled ones too, switched off, so enabling keeps their place); problems are kept for the list. */
  private async apply(): Promise<void> {
    const rules = this.stored.map((r) => toRule(r));
    const problems = await this.responders.set(rules);
    this.problems = new Map(problems.map((p) => [p.id, p]));
    this.noteEnabled();
  }

  private noteEnabled(): void {
    this.anyEnabled = this.stored.some((r) => r.enabled && !this.problems.has(r.id));
  }

  private tell(): void {
    const list = this.list();
    this.lastCounters = JSON.stringify(list.map((r) => r.counters));
    this.changed(list);
  }

  private tellCounters(): void {
    if (this.stored.length === 0) return;
    const counters = JSON.stringify(this.list().map((r) => r.counters));
    if (counters !== this.lastCounters) this.tell();
  }
}

function toRule(r: StoredRule): ResponderRule & { readonly id: string } {
  return r;
}
