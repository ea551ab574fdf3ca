import { checkTopicFilter, topicMatchesFilter } from '../../../shared/mqtt/topic-rules';
import type { ScriptHandle, ScriptSandbox } from '../scripts/script-sandbox';
import type { ScriptLimits, ScriptLogLine, ScriptMessage, ScriptOutcome } from '../scripts/script-types';
import { decodePayload } from './decode-payload';
import { type DecoderKind, prettyText } from './decoded-payload';
import { type ProtobufSchema, compileProtobufSchema } from './protobuf-decoder';

/** What decodes a bound topic: a built-in decoder, Protobuf with the user's .proto, or a user script. */
export type BoundDecoder =
  | { readonly kind: Exclude<DecoderKind, 'protobuf'> }
  | { readonly kind: 'protobuf'; readonly schema: ProtobufSchema }
  | { readonly kind: 'script'; readonly source: string; readonly limits?: Partial<ScriptLimits> };

/** A decoder bound to a topic filter. When several match a topic, the first enabled one in the list wins. */
export interface DecoderBinding {
  readonly id: string;
  /** An MQTT topic filter (wildcards allowed). */
  readonly filter: string;
  readonly decoder: BoundDecoder;
  readonly enabled?: boolean;
}

/** Why a binding cannot be used, said to the user beside it. */
export interface BindingProblem {
  readonly id: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export type BoundDecoderKind = BoundDecoder['kind'];

/** A payload decoded by its topic's binding: the decoders' view, plus which binding made it and a script's log. */
export type BoundDecodedView =
  | {
      readonly ok: true;
      readonly kind: BoundDecoderKind;
      readonly bindingId: string;
      readonly text: string;
      readonly value?: unknown;
      readonly totalBytes: number;
      readonly truncated: boolean;
      readonly warnings: readonly string[];
      readonly logs?: readonly ScriptLogLine[];
    }
  | {
      readonly ok: false;
      readonly kind: BoundDecoderKind;
      readonly bindingId: string;
      readonly error: string;
      readonly line?: number;
      readonly column?: number;
      readonly logs?: readonly ScriptLogLine[];
    };

interface Active {
  readonly binding: DecoderBinding;
  readonly script?: ScriptHandle;
}

/** Topics remembered with the binding that applies to them (a lookup per message otherwise walks every filter). */
const MATCH_CACHE_LIMIT = 10_000;

/**
 * The user's decoder bindings: which decoder applies to a topic, and decoding with it. Scripts run in
 * the sandbox, a batch of messages per script in one crossing; built-in decoders run here.
 */
export class DecoderBindings {
  private active: readonly Active[] = [];
  private readonly matchCache = new Map<string, Active | null>();
  private generation = 0;

  constructor(private readonly sandbox: ScriptSandbox) {}

  /**
   * Replaces the bindings. Each is checked (its filter, its .proto and message type, its script's
   * syntax); one with a problem is left out and reported, the others apply.
   */
  async set(bindings: readonly DecoderBinding[]): Promise<readonly BindingProblem[]> {
    const problems: BindingProblem[] = [];
    const next: Active[] = [];
    const ids = new Set<string>();
    for (const binding of bindings) {
      if (ids.has(binding.id)) {
        problems.push({ id: binding.id, message: `Two bindings have the id ${JSON.stringify(binding.id)}.` });
        continue;
      }
      ids.add(binding.id);
      const filter = checkTopicFilter(binding.filter);
      if (!filter.ok) {
        problems.push({ id: binding.id, message: filter.message ?? 'The topic filter is not valid.' });
        continue;
      }
      if (binding.enabled === false) continue;
      const decoder = binding.decoder;
      if (decoder.kind === 'protobuf') {
        const type = compileProtobufSchema(decoder.schema);
        if (typeof type === 'string') {
          problems.push({ id: binding.id, message: `Protobuf: ${type}` });
          continue;
        }
      }
      if (decoder.kind === 'script') {
        const loaded = await this.sandbox.load({ name: `decoder ${binding.filter}`, source: decoder.source, limits: decoder.limits });
        if (!loaded.ok) {
          problems.push({ id: binding.id, message: loaded.error.message, line: loaded.error.line, column: loaded.error.column });
          continue;
        }
        next.push({ binding, script: loaded.script });
        continue;
      }
      next.push({ binding });
    }
    const previous = this.active;
    this.active = next;
    this.generation++;
    this.matchCache.clear();
    await Promise.all(previous.map((a) => a.script?.unload()));
    return problems;
  }

  /** The bindings in force (enabled, checked), in order. */
  list(): readonly DecoderBinding[] {
    return this.active.map((a) => a.binding);
  }

  /** The binding that decodes this topic, if any. */
  bindingFor(topic: string): DecoderBinding | undefined {
    return this.activeFor(topic)?.binding;
  }

  /** Decodes one message with its topic's binding; undefined when no binding applies. */
  async decode(message: ScriptMessage): Promise<BoundDecodedView | undefined> {
    const [view] = await this.decodeBatch([message]);
    return view;
  }

  /** Decodes many messages; scripts get all their messages in one batch. */
  async decodeBatch(messages: readonly ScriptMessage[]): Promise<readonly (BoundDecodedView | undefined)[]> {
    const views: (BoundDecodedView | undefined)[] = new Array(messages.length);
    const byScript = new Map<Active, number[]>();
    messages.forEach((message, i) => {
      const active = this.activeFor(message.topic);
      if (active === undefined) return;
      if (active.script !== undefined) {
        const list = byScript.get(active) ?? [];
        list.push(i);
        byScript.set(active, list);
        return;
      }
      views[i] = builtIn(active.binding, message);
    });
    await Promise.all(
      [...byScript].map(async ([active, indexes]) => {
        const outcomes = await active.script!.runBatch(indexes.map((i) => messages[i]!));
        outcomes.forEach((outcome, k) => {
          views[indexes[k]!] = scriptView(active.binding, outcome, messages[indexes[k]!]!.payload.length);
        });
      }),
    );
    return views;
  }

  /** Unloads every script. */
  async close(): Promise<void> {
    await this.set([]);
  }

  private activeFor(topic: string): Active | undefined {
    const cached = this.matchCache.get(topic);
    if (cached !== undefined) return cached ?? undefined;
    const found = this.active.find((a) => topicMatchesFilter(a.binding.filter, topic)) ?? null;
    if (this.matchCache.size >= MATCH_CACHE_LIMIT) this.matchCache.clear();
    this.matchCache.set(topic, found);
    return found ?? undefined;
  }
}

function builtIn(binding: DecoderBinding, message: ScriptMessage): BoundDecodedView {
  const decoder = binding.decoder;
  if (decoder.kind === 'script') throw new Error('a script binding has no built-in decoder');
  const view = decodePayload(message.payload, { kind: decoder.kind, topic: message.topic, ...(decoder.kind === 'protobuf' ? { schema: decoder.schema } : {}) });
  return { ...view, bindingId: binding.id };
}

function scriptView(binding: DecoderBinding, outcome: ScriptOutcome, totalBytes: number): BoundDecodedView {
  const logs = outcome.logs.length > 0 ? { logs: outcome.logs } : {};
  if (!outcome.ok) {
    return { ok: false, kind: 'script', bindingId: binding.id, error: `cannot decode with the script: ${outcome.error.message}`, line: outcome.error.line, column: outcome.error.column, ...logs };
  }
  if (outcome.value === undefined) {
    return { ok: true, kind: 'script', bindingId: binding.id, text: '', totalBytes, truncated: false, warnings: ['The decoder script returned no value.'], ...logs };
  }
  const pretty = typeof outcome.value === 'string' ? { text: outcome.value, truncated: false } : prettyText(outcome.value, false);
  const warnings = outcome.droppedLogs > 0 ? [`${outcome.droppedLogs} log lines were dropped.`] : [];
  return { ok: true, kind: 'script', bindingId: binding.id, text: pretty.text, value: outcome.value, totalBytes, truncated: pretty.truncated, warnings, ...logs };
}
