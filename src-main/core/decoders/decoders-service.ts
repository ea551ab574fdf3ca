import { randomUUID } from 'node:crypto';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ParsedArg } from '../../../shared/ipc/contract';
import { type BindingDecoder, BindingDecoderSchema, BindingIdSchema, type BindingProblemInfo, type DecoderBindingInfo, SaveBindingArgsSchema, type ScriptTestResult } from '../../../shared/ipc/decoders';
import type { Deleted } from '../../../shared/ipc/common';
import { TopiaryError } from '../../../shared/ipc/errors';
import { checkImportedEntries, type ScriptImportReport } from '../scripts/script-import';
import { ScriptSandbox } from '../scripts/script-sandbox';
import type { ScriptMessage } from '../scripts/script-types';
import { readFileIfExists, writeFileAtomic } from '../storage/atomic-file';
import { type BoundDecodedView, type BoundDecoder, DecoderBindings } from './decoder-bindings';
import { prettyText } from './decoded-payload';
import { decodePayload } from './decode-payload';
import type { DecodedView } from '../../../shared/ipc/explorer';
import type { Qos } from '../../../shared/ipc/common';

/** The file's shape, checked on reading: a hand-edited or damaged file must not reach the sandbox half-formed. */
const BindingsFileSchema = z
  .object({
    version: z.literal(1),
    bindings: z.array(z.object({ id: BindingIdSchema, filter: z.string().max(65_535), decoder: BindingDecoderSchema, enabled: z.boolean() }).strict()),
  })
  .strict();
type BindingsFile = z.output<typeof BindingsFileSchema>;
type StoredBinding = BindingsFile['bindings'][number];

export interface DecodersServiceOptions {
  readonly userDataDir: string;
  /** The built script sandbox worker (script-worker.cjs). */
  readonly workerFile: string;
  readonly changed: (bindings: readonly DecoderBindingInfo[]) => void;
}

function boundDecoder(decoder: BindingDecoder): BoundDecoder {
  if (decoder.kind === 'protobuf') return { kind: 'protobuf', schema: { proto: decoder.proto, messageType: decoder.messageType } };
  if (decoder.kind === 'script') return { kind: 'script', source: decoder.source };
  return { kind: decoder.kind };
}

/**
 * The user's decoder bindings, kept in `decoders/bindings.json` in the user-data folder (written
 * atomically on every change), and the sandbox their scripts run in.
 */
export class DecodersService {
  private problems = new Map<string, BindingProblemInfo>();
  /** Changes apply one at a time, so the file and the bindings in force never disagree. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private stored: readonly StoredBinding[],
    private readonly sandbox: ScriptSandbox,
    private readonly bindings: DecoderBindings,
    private readonly changed: DecodersServiceOptions['changed'],
  ) {}

  static async open(options: DecodersServiceOptions): Promise<DecodersService> {
    const dir = path.join(options.userDataDir, 'decoders');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, 'bindings.json');
    let stored: readonly StoredBinding[] = [];
    try {
      const text = await readFileIfExists(file);
      if (text !== undefined) stored = BindingsFileSchema.parse(JSON.parse(text)).bindings;
    } catch {
      // A damaged (or unreadable) file is set aside rather than lost; the app starts with no bindings.
      await rename(file, `${file}.damaged-${Date.now()}`).catch(() => undefined);
    }
    const sandbox = new ScriptSandbox({ workerFile: options.workerFile });
    const service = new DecodersService(file, stored, sandbox, new DecoderBindings(sandbox), options.changed);
    await service.apply();
    return service;
  }

  list(): readonly DecoderBindingInfo[] {
    return this.stored.map((b) => ({ ...b, problem: this.problems.get(b.id) ?? null }));
  }

  save(args: ParsedArg<'decoders.saveBinding'>): Promise<DecoderBindingInfo> {
    return this.serial(async () => {
      const id = args.id ?? randomUUID();
      const binding: StoredBinding = { id, filter: args.filter, decoder: args.decoder, enabled: args.enabled };
      const at = this.stored.findIndex((b) => b.id === id);
      if (args.id !== undefined && at < 0) throw new TopiaryError('NOT_FOUND', `There is no decoder binding ${args.id}; it may have been deleted in another window.`);
      this.stored = at < 0 ? [...this.stored, binding] : this.stored.map((b, i) => (i === at ? binding : b));
      await this.persist();
      return this.list().find((b) => b.id === id)!;
    });
  }

  delete(id: string): Promise<Deleted> {
    return this.serial(async () => {
      const before = this.stored.length;
      this.stored = this.stored.filter((b) => b.id !== id);
      if (this.stored.length === before) return { deleted: 0 };
      await this.persist();
      return { deleted: 1 };
    });
  }

  /** The saved bindings as a profiles export carries them (problems and all: the user's work). */
  exportEntries(): readonly StoredBinding[] {
    return this.stored;
  }

  /**
   * Adds the bindings of an imported file after the user's own (which keep winning where filters overlap). Each entry
   * is checked like a saved one; a bad one is refused with why, one equal to an existing binding is not added twice.
   */
  importEntries(entries: readonly unknown[]): Promise<ScriptImportReport> {
    return this.serial(async () => {
      const { accepted, present, refused } = checkImportedEntries('Decoder binding', entries, SaveBindingArgsSchema, this.stored, (b) => ({
        filter: (b as StoredBinding).filter,
        decoder: (b as StoredBinding).decoder,
      }));
      if (accepted.length > 0) {
        this.stored = [...this.stored, ...accepted.map(({ id, value }) => ({ id, filter: value.filter, decoder: value.decoder, enabled: value.enabled }))];
        await this.persist();
      }
      const warnings = accepted.flatMap(({ id, value }) => {
        const problem = this.problems.get(id);
        if (problem === undefined) return [];
        const where = problem.line !== undefined ? ` (line ${problem.line}${problem.column !== undefined ? `, column ${problem.column}` : ''})` : '';
        return [`The decoder binding for ${value.filter} was imported but is not in force: ${problem.message}${where}`];
      });
      return { added: accepted.length, present, refused, warnings };
    });
  }

  /** Whether an enabled binding in force decodes this topic. */
  hasBinding(topic: string): boolean {
    return this.bindings.bindingFor(topic) !== undefined;
  }

  /** Decodes many messages with their topics' bindings (scripts in one crossing each); undefined where none applies. */
  decodeBatch(messages: readonly ScriptMessage[]): Promise<readonly (BoundDecodedView | undefined)[]> {
    return this.bindings.decodeBatch(messages);
  }

  /** Decodes a message with its topic's binding; undefined when none applies. */
  decode(message: ScriptMessage): Promise<BoundDecodedView | undefined> {
    return this.bindings.decode(message);
  }

  /**
   * Decodes given bytes as `explorer.decode` decodes a held message: `auto` means the topic's binding when it has
   * one; a kind the user picked wins over the binding.
   */
  async decodePayload(args: ParsedArg<'decoders.decodePayload'>): Promise<DecodedView> {
    if (args.kind === 'auto') {
      const bound = await this.decode({ topic: args.topic, payload: args.payload, qos: (args.qos ?? 0) as Qos, retain: args.retain ?? false });
      if (bound !== undefined) return bound;
    }
    return decodePayload(args.payload, {
      kind: args.kind,
      topic: args.topic,
      ...(args.protobuf ? { schema: args.protobuf } : {}),
      ...(args.full !== undefined ? { full: args.full } : {}),
      ...(args.offset !== undefined ? { offset: args.offset } : {}),
      ...(args.length !== undefined ? { length: args.length } : {}),
    });
  }

  async testScript(args: ParsedArg<'decoders.testScript'>): Promise<ScriptTestResult> {
    const loaded = await this.sandbox.load({ name: 'decoder test', source: args.source });
    if (!loaded.ok) return { ok: false, error: loaded.error.message, line: loaded.error.line, column: loaded.error.column, logs: [] };
    try {
      const outcome = await loaded.script.run({ topic: args.topic, payload: args.payload, qos: 0, retain: false });
      if (!outcome.ok) return { ok: false, error: outcome.error.message, line: outcome.error.line, column: outcome.error.column, logs: outcome.logs };
      if (outcome.value === undefined) return { ok: true, text: '', warnings: ['The decoder script returned no value.'], logs: outcome.logs };
      const pretty = typeof outcome.value === 'string' ? { text: outcome.value } : prettyText(outcome.value, false);
      return { ok: true, text: pretty.text, value: outcome.value, warnings: [], logs: outcome.logs };
    } finally {
      await loaded.script.unload();
    }
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.bindings.close();
    await this.sandbox.close();
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async persist(): Promise<void> {
    const data: BindingsFile = { version: 1, bindings: [...this.stored] };
    await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
    await this.apply();
    this.changed(this.list());
  }

  /** Puts the stored bindings in force; a binding with a problem is left out and the problem kept for the list. */
  private async apply(): Promise<void> {
    const problems = await this.bindings.set(this.stored.map((b) => ({ id: b.id, filter: b.filter, decoder: boundDecoder(b.decoder), enabled: b.enabled })));
    this.problems = new Map(problems.map((p) => [p.id, { message: p.message, ...(p.line !== undefined ? { line: p.line } : {}), ...(p.column !== undefined ? { column: p.column } : {}) }]));
  }
}
