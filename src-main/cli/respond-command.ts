import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { TopiaryError } from '../../shared/ipc/errors';
import type { ResponderRule, RuleProblem } from '../core/responders/auto-responders';
import { connect } from '../lib';
import { respond, type Responders } from '../lib/scripts';
import { flushed, intFlag, parseFlags, readJsonFile, UsageError, type Command } from './cli-io';
import { CONNECTION_FLAGS, CONNECTION_HELP, connectOptionsFrom } from './connection-flags';

const FLAGS = {
  ...CONNECTION_FLAGS,
  rules: { type: 'string', short: 'r' },
  timeout: { type: 'string' },
} as const;

const HELP = `Usage: topiary respond --rules FILE [options]

Answers messages by rules until Ctrl-C or --timeout, then prints what each rule did. A rule: when a
message matches its filter (and its predicate script returns true), publish a response computed by a
template or a script, to its fixed topic or the request's MQTT 5 response topic, with the request's
correlation data. Scripts run in a sandbox (QuickJS): no files, network or process.

  -r, --rules FILE        a JSON file: [rule, ...] or { "rules": [rule, ...] }, each rule
                          { "id", "filter", "response": { "template": "..." } | { "script": "..." } | { "scriptFile": "x.js" },
                            "predicate"?, "topic"?, "qos"?, "retain"?, "contentType"?, "perSecond"?, "enabled"? }
      --timeout S         stop after S seconds

${CONNECTION_HELP}
Examples:
  topiary respond -u mqtt://127.0.0.1:1883 --rules responders.json
  echo '[{"id":"ping","filter":"ping/#","response":{"template":"pong {{counter}}"}}]' > r.json && topiary respond -r r.json
`;

const RuleSchema = z
  .object({
    id: z.string().min(1),
    filter: z.string().min(1),
    enabled: z.boolean().optional(),
    predicate: z.string().optional(),
    response: z.union([
      z.object({ template: z.string() }).strict(),
      z.object({ script: z.string() }).strict(),
      z.object({ scriptFile: z.string().min(1) }).strict(),
    ]),
    topic: z.string().optional(),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
    retain: z.boolean().optional(),
    contentType: z.string().optional(),
    perSecond: z.number().positive().optional(),
  })
  .strict();
type RuleInFile = z.infer<typeof RuleSchema>;

/** Reads and checks a rules file; script files are read relative to it. */
export function readRules(file: string): ResponderRule[] {
  const json = readJsonFile(file, 'rules file');
  const list: unknown = Array.isArray(json) ? json : typeof json === 'object' && json !== null ? (json as { rules?: unknown }).rules : undefined;
  if (!Array.isArray(list)) throw new TopiaryError('VALIDATION_ERROR', `The rules file ${file} must hold [rule, ...] or { "rules": [rule, ...] }.`);
  const rules: RuleInFile[] = list.map((candidate: unknown, i) => {
    const parsed = RuleSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    const id = typeof (candidate as { id?: unknown } | null)?.id === 'string' ? ` (${JSON.stringify((candidate as { id: string }).id)})` : '';
    const why = where === 'response' ? 'it must be { "template": "…" }, { "script": "…" } or { "scriptFile": "file.js" }' : (issue?.message ?? 'not valid');
    throw new TopiaryError('VALIDATION_ERROR', `The rules file ${file}: rule ${i + 1}${id}${where === '' ? '' : `, ${where}`}: ${why}.`);
  });
  return rules.map((rule) => {
    const { response, ...rest } = rule;
    if ('template' in response) return { ...rest, response: { kind: 'template', payload: response.template } };
    if ('script' in response) return { ...rest, response: { kind: 'script', source: response.script } };
    const scriptPath = path.resolve(path.dirname(file), response.scriptFile);
    try {
      return { ...rest, response: { kind: 'script', source: readFileSync(scriptPath, 'utf8') } };
    } catch {
      throw new TopiaryError('VALIDATION_ERROR', `Rule ${JSON.stringify(rule.id)}: its script file ${scriptPath} cannot be read.`);
    }
  });
}

export const respondCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, FLAGS);
    if (values.rules === undefined) throw new UsageError('Say which rules to answer with: --rules FILE.');
    const timeoutS = intFlag(values.timeout, '--timeout', 1, 31_536_000);
    const rules = readRules(values.rules);
    if (rules.length === 0) throw new TopiaryError('VALIDATION_ERROR', `The rules file ${values.rules} has no rules.`);

    const filters = [...new Set(rules.filter((r) => r.enabled !== false).map((r) => r.filter))];
    const client = await connect(connectOptionsFrom(values, io.env, { protocolVersion: 5 }));
    try {
      client.on('error', (e) => io.stderr.write(`error: ${e.message}\n`));
      let responders: Responders;
      try {
        responders = await respond(client, rules, {
          onResponse: (p) => io.stdout.write(`${p.topic} ${Buffer.from(p.payload).toString('utf8')}\n`),
          onError: (e) => io.stderr.write(`error: ${e.message}\n`),
        });
      } catch (error) {
        const problems = error instanceof TopiaryError ? (error.details?.problems as readonly RuleProblem[] | undefined) : undefined;
        if (problems === undefined) throw error;
        for (const problem of problems) io.stderr.write(`error: rule ${JSON.stringify(problem.id)}: ${problem.message}\n`);
        return 1;
      }
      io.stderr.write(`answering with ${rules.length} rule${rules.length === 1 ? '' : 's'} on ${filters.join(', ')}\n`);
      await new Promise<void>((resolve) => {
        io.interrupted.addEventListener('abort', () => resolve(), { once: true });
        if (timeoutS !== undefined) setTimeout(resolve, timeoutS * 1000).unref();
      });
      for (const c of responders.counters()) {
        io.stderr.write(
          `rule ${c.id}: matched ${c.matched}, responded ${c.responded}, declined ${c.declined}, no response topic ${c.noResponseTopic}, rate-limited ${c.rateLimited}, failed ${c.failed}${c.lastError === null ? '' : ` (last: ${c.lastError})`}\n`,
        );
      }
      await responders.close();
      await flushed(io.stdout);
      return 0;
    } finally {
      await client.end();
    }
  },
};
