import { type Template, liveContext, parseTemplate, renderTemplate } from '../../../shared/publish/template';
import { checkTopicFilter, checkTopicName, topicMatchesFilter } from '../../../shared/mqtt/topic-rules';
import type { ScriptHandle, ScriptSandbox } from '../scripts/script-sandbox';
import type { ScriptLimits, ScriptMessage, ScriptPublish } from '../scripts/script-types';
import type { ResponderCountersInfo, ResponderResponse, ResponderRule as ResponderRuleSettings } from '../../../shared/ipc/responders';

/**
 * How a rule computes its response payload: the contract's template (the composer's placeholders) or script (the
 * request as `msg`; it returns the payload, and `undefined` sends nothing), a script with its own limits if given.
 */
export type ResponseBody =
  | Readonly<Extract<ResponderResponse, { kind: 'template' }>>
  | Readonly<Extract<ResponderResponse, { kind: 'script' }> & { readonly limits?: Partial<ScriptLimits> }>;

/** The settings the contract gives defaults to; a rule from the command line's file may leave them out. */
type DefaultedSetting = 'enabled' | 'qos' | 'retain' | 'perSecond';

/**
 * The contract's rule (`ResponderRuleSchema`), with an id: when a message matches `filter` (and `predicate`, if
 * given), publish a response. A rule without a fixed topic skips a request that has no response topic.
 */
export type ResponderRule = Readonly<Omit<ResponderRuleSettings, DefaultedSetting | 'response'> & Partial<Pick<ResponderRuleSettings, DefaultedSetting>>> & {
  readonly id: string;
  readonly response: ResponseBody;
};

/** What a rule has done since it was set. */
export interface ResponderCounters extends ResponderCountersInfo {
  readonly id: string;
  readonly enabled: boolean;
}

export interface RuleProblem {
  readonly id: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export interface AutoRespondersOptions<Origin = undefined> {
  readonly sandbox: ScriptSandbox;
  /** Sends a response (the connection's publish); `origin` is what `handle()` was given with the request (the app: which connection). */
  readonly publish: (message: ScriptPublish, origin: Origin | undefined) => Promise<void>;
}

interface Counts {
  matched: number;
  responded: number;
  declined: number;
  noResponseTopic: number;
  rateLimited: number;
  failed: number;
  lastError: string | null;
}

interface Rule {
  readonly spec: ResponderRule;
  enabled: boolean;
  readonly template?: Template;
  readonly script?: ScriptHandle;
  readonly predicate?: ScriptHandle;
  readonly counts: Counts;
  readonly tokens: { count: number; at: number };
  counter: number;
}

const DEFAULT_PER_SECOND = 10;
const encoder = new TextEncoder();

/**
 * Auto-responders: rules that answer messages, in the core, without the window. Feed every incoming
 * message to `handle()`; a rule that matches publishes its response through `publish`, to its fixed
 * topic or the request's response topic, with the request's correlation data. Each rule counts what
 * it did and is rate-limited, so a rule that answers itself cannot flood the broker.
 */
export class AutoResponders<Origin = undefined> {
  private rules: Rule[] = [];

  constructor(private readonly options: AutoRespondersOptions<Origin>) {}

  /** Replaces the rules; one with a problem (filter, topic, template, script syntax) is reported and left out. */
  async set(specs: readonly ResponderRule[]): Promise<readonly RuleProblem[]> {
    const problems: RuleProblem[] = [];
    const next: Rule[] = [];
    for (const spec of specs) {
      const problem = await this.build(spec, next);
      if (problem !== null) problems.push(problem);
    }
    const previous = this.rules;
    this.rules = next;
    await Promise.all(previous.flatMap((rule) => [rule.script?.unload(), rule.predicate?.unload()]));
    return problems;
  }

  setEnabled(id: string, enabled: boolean): boolean {
    const rule = this.rules.find((r) => r.spec.id === id);
    if (rule === undefined) return false;
    rule.enabled = enabled;
    return true;
  }

  counters(): readonly ResponderCounters[] {
    return this.rules.map((rule) => ({ id: rule.spec.id, enabled: rule.enabled, ...rule.counts }));
  }

  /** Answers a message with every enabled rule whose filter matches. */
  async handle(message: ScriptMessage, origin?: Origin): Promise<void> {
    await Promise.all(this.rules.filter((rule) => rule.enabled && topicMatchesFilter(rule.spec.filter, message.topic)).map((rule) => this.answer(rule, message, origin)));
  }

  async close(): Promise<void> {
    await this.set([]);
  }

  private async answer(rule: Rule, message: ScriptMessage, origin: Origin | undefined): Promise<void> {
    const counts = rule.counts;
    counts.matched++;
    const topic = rule.spec.topic ?? message.properties?.responseTopic;
    if (topic === undefined) {
      counts.noResponseTopic++;
      return;
    }
    try {
      if (rule.predicate !== undefined) {
        const verdict = await rule.predicate.run(message);
        if (!verdict.ok) return this.fail(rule, `predicate: ${verdict.error.message}`);
        if (verdict.value !== true) {
          counts.declined++;
          return;
        }
      }
      const payload = await this.payloadFor(rule, message);
      if (payload === 'failed') return;
      if (payload === undefined) {
        counts.declined++;
        return;
      }
      if (!this.takeToken(rule)) {
        counts.rateLimited++;
        return;
      }
      const correlationData = message.properties?.correlationData;
      const properties = {
        ...(rule.spec.contentType === undefined ? {} : { contentType: rule.spec.contentType }),
        ...(correlationData === undefined ? {} : { correlationData }),
      };
      await this.options.publish({ topic, payload, qos: rule.spec.qos ?? 0, retain: rule.spec.retain ?? false, ...(Object.keys(properties).length > 0 ? { properties } : {}) }, origin);
      counts.responded++;
    } catch (error) {
      this.fail(rule, error instanceof Error ? error.message : String(error));
    }
  }

  private async payloadFor(rule: Rule, message: ScriptMessage): Promise<Uint8Array | undefined | 'failed'> {
    if (rule.template !== undefined) {
      rule.counter++;
      return encoder.encode(renderTemplate(rule.template, liveContext(rule.counter)));
    }
    const outcome = await rule.script!.run(message);
    if (!outcome.ok) {
      this.fail(rule, outcome.error.message);
      return 'failed';
    }
    return responseBytes(outcome.value);
  }

  private fail(rule: Rule, why: string): void {
    rule.counts.failed++;
    rule.counts.lastError = why;
  }

  private takeToken(rule: Rule): boolean {
    const perSecond = rule.spec.perSecond ?? DEFAULT_PER_SECOND;
    const now = Date.now();
    rule.tokens.count = Math.min(perSecond, rule.tokens.count + ((now - rule.tokens.at) / 1000) * perSecond);
    rule.tokens.at = now;
    if (rule.tokens.count < 1) return false;
    rule.tokens.count -= 1;
    return true;
  }

  private async build(spec: ResponderRule, into: Rule[]): Promise<RuleProblem | null> {
    if (into.some((r) => r.spec.id === spec.id)) return { id: spec.id, message: `Two rules have the id ${JSON.stringify(spec.id)}.` };
    const filter = checkTopicFilter(spec.filter);
    if (!filter.ok) return { id: spec.id, message: filter.message ?? 'The topic filter is not valid.' };
    if (spec.topic !== undefined) {
      const topic = checkTopicName(spec.topic);
      if (!topic.ok) return { id: spec.id, message: `Response topic: ${topic.message ?? 'not valid'}` };
    }
    if (spec.perSecond !== undefined && !(spec.perSecond > 0)) return { id: spec.id, message: 'The rate limit must be above 0 responses per second.' };
    let template: Template | undefined;
    let script: ScriptHandle | undefined;
    let predicate: ScriptHandle | undefined;
    if (spec.response.kind === 'template') {
      const parsed = parseTemplate(spec.response.payload);
      if (!parsed.ok) return { id: spec.id, message: `Template: ${parsed.message}` };
      template = parsed.template;
    } else {
      const result = await this.options.sandbox.load({ name: `responder ${spec.id}`, source: spec.response.source, limits: spec.response.limits });
      if (!result.ok) return { id: spec.id, message: `Response script: ${result.error.message}`, line: result.error.line, column: result.error.column };
      script = result.script;
    }
    if (spec.predicate !== undefined) {
      const result = await this.options.sandbox.load({ name: `responder ${spec.id} predicate`, source: spec.predicate });
      if (!result.ok) {
        await script?.unload();
        return { id: spec.id, message: `Predicate script: ${result.error.message}`, line: result.error.line, column: result.error.column };
      }
      predicate = result.script;
    }
    const perSecond = spec.perSecond ?? DEFAULT_PER_SECOND;
    into.push({
      spec,
      enabled: spec.enabled !== false,
      ...(template === undefined ? {} : { template }),
      ...(script === undefined ? {} : { script }),
      ...(predicate === undefined ? {} : { predicate }),
      counts: { matched: 0, responded: 0, declined: 0, noResponseTopic: 0, rateLimited: 0, failed: 0, lastError: null },
      tokens: { count: perSecond, at: Date.now() },
      counter: 0,
    });
    return null;
  }
}

/** A script's returned value as payload bytes: strings as UTF-8, `{ $bytes }` views back to bytes, the rest as JSON. */
function responseBytes(value: unknown): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return encoder.encode(value);
  if (typeof value === 'object' && value !== null && '$bytes' in value && typeof (value as { $bytes: unknown }).$bytes === 'string') {
    return Uint8Array.from(Buffer.from((value as { $bytes: string }).$bytes, 'hex'));
  }
  return encoder.encode(JSON.stringify(value));
}
