import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { HistoryMessage, HistoryQueryInput } from '../../shared/ipc/history';
import { TopiaryError } from '../../shared/ipc/errors';
import { checkTopicFilter } from '../../shared/mqtt/topic-rules';
import { ExportFormatter } from '../core/history/export-format';
import { openHistory, type TopiaryHistory } from '../lib';
import { endProgress, flushed, intFlag, parseFlags, progress, qosFlag, UsageError, type CliIo, type Command } from './cli-io';
import { existingStoreFile, historyStoreFile } from './history-store-flag';

const FLAGS = {
  topic: { type: 'string', short: 't', multiple: true },
  since: { type: 'string' },
  until: { type: 'string' },
  grep: { type: 'string' },
  'ignore-case': { type: 'boolean' },
  text: { type: 'string' },
  qos: { type: 'string', short: 'q' },
  retained: { type: 'boolean' },
  limit: { type: 'string' },
  order: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  profile: { type: 'string' },
  source: { type: 'string', multiple: true },
  store: { type: 'string' },
  all: { type: 'boolean' },
  'skip-malformed': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `Usage: topiary history query|export|clear|import [options]

Searches, exports and clears the messages kept in a Topiary history store (the app's own by default;
it must not be open in the app at the same time), and imports captures into it.

  query                   print matching messages (newest first; --limit, default 100)
  export -o FILE          write every matching message to FILE (oldest first), streamed
  clear                   delete matching messages (needs a criterion, or --all for everything)
  import -i FILE          add a capture (from "topiary record") to the store

Search:
  -t, --topic FILTER      topic filter (repeatable; default "#")
      --since T           from T: epoch ms, an ISO date, or relative ("last 15 min", "2h")
      --until T           up to T, the same forms
      --grep RE           payload matches this regular expression (--ignore-case for i)
      --text WORDS        payload contains this text at a word start (full-text index; fast)
  -q, --qos N             only messages of this QoS
      --retained          only retained messages
      --profile NAME      only messages recorded from this saved profile (by name)
      --source KEY        only this source (profile:<id>, url:<url>, capture:<name>; repeatable)
      --limit N           at most N messages
      --order O           newest or oldest
      --format F          text (query's default), json, ndjson (export's default) or csv; lossless:
                          payloads as UTF-8 text, or base64 with payloadEncoding saying which
      --store FILE        a history store (history.db) other than the app's

Examples:
  topiary history query -t 'plant/#' --since 'last 15 min' --grep 'alarm|fault'
  topiary history export -t 'plant/#' --since 2026-01-01 --format csv -o plant.csv
  topiary history clear -t 'test/#' --until '7d'
  topiary history import -i plant.ndjson
`;

const FORMATS = ['text', 'json', 'ndjson', 'csv'] as const;
type Values = ReturnType<typeof parseFlags<typeof FLAGS>>['values'];

async function sourcesOf(history: TopiaryHistory, values: Values): Promise<string[] | undefined> {
  const sources = [...(values.source ?? [])];
  if (values.profile !== undefined) {
    const rows = (await history.status()).sources.filter((s) => s.key.startsWith('profile:'));
    const name = values.profile;
    const match = rows.filter((s) => s.label === name);
    const found = match.length > 0 ? match : rows.filter((s) => s.label.toLowerCase() === name.toLowerCase());
    if (found.length === 0) {
      const known = rows.map((s) => `"${s.label}"`).join(', ');
      throw new TopiaryError('NOT_FOUND', `No messages were recorded from a profile named "${name}"${known ? `; recorded profiles: ${known}` : ''}.`);
    }
    sources.push(...found.map((s) => s.key));
  }
  return sources.length > 0 ? sources : undefined;
}

function queryOf(values: Values, sources: string[] | undefined, order: 'newest' | 'oldest'): HistoryQueryInput {
  const filters = values.topic && values.topic.length > 0 ? values.topic : ['#'];
  for (const f of filters) {
    const check = checkTopicFilter(f);
    if (!check.ok) throw new TopiaryError('TOPIC_ERROR', `"${f}" is not a valid topic filter: ${check.message ?? 'invalid'}`);
  }
  if (values.grep !== undefined) {
    try {
      new RegExp(values.grep, values['ignore-case'] ? 'i' : '');
    } catch (e) {
      throw new UsageError(`--grep "${values.grep}" is not a valid regular expression: ${(e as Error).message}.`);
    }
  }
  const asTime = (v: string | undefined): number | string | undefined => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);
  const since = asTime(values.since);
  const until = asTime(values.until);
  return {
    filters,
    order,
    ...(sources ? { sources } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(values.grep !== undefined ? { regex: { pattern: values.grep, flags: values['ignore-case'] ? 'i' : '' } } : {}),
    ...(values.text !== undefined ? { text: values.text } : {}),
    ...(values.qos !== undefined ? { qos: [qosFlag(values.qos)] } : {}),
    ...(values.retained ? { retain: true } : {}),
  };
}

function textLine(m: HistoryMessage): string {
  const text = Buffer.from(m.payload).toString('utf8');
  const payload = Buffer.from(text, 'utf8').equals(Buffer.from(m.payload)) ? text.replace(/\n/g, '\\n') : `base64:${Buffer.from(m.payload).toString('base64')}`;
  return `${new Date(m.receivedAt).toISOString()} ${m.topic} ${payload}\n`;
}

async function query(history: TopiaryHistory, q: HistoryQueryInput, limit: number, format: string, io: CliIo): Promise<number> {
  const formatter = format === 'text' ? undefined : new ExportFormatter(format as 'json' | 'ndjson' | 'csv');
  if (formatter) io.stdout.write(formatter.header());
  let printed = 0;
  let cursor: string | undefined;
  while (printed < limit && !io.interrupted.aborted) {
    const page = await history.query(q, { limit: Math.min(5000, limit - printed), ...(cursor ? { cursor } : {}) });
    io.stdout.write(formatter ? formatter.chunk(page.messages) : page.messages.map(textLine).join(''));
    printed += page.messages.length;
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  if (formatter) io.stdout.write(formatter.footer());
  await flushed(io.stdout);
  return printed;
}

export const historyCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, { ...FLAGS, input: { type: 'string', short: 'i' } }, true);
    const [action, ...extra] = positionals;
    if (action === undefined) throw new UsageError('Say what to do: query, export, clear or import.');
    if (!['query', 'export', 'clear', 'import'].includes(action)) throw new UsageError(`"${action}" is not a history action; use query, export, clear or import.`);
    if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`);
    const format = values.format ?? (action === 'query' ? 'text' : 'ndjson');
    if (!(FORMATS as readonly string[]).includes(format) || (action === 'export' && format === 'text')) {
      throw new UsageError(`--format must be ${action === 'export' ? 'json, ndjson or csv' : 'text, json, ndjson or csv'}, not "${format}".`);
    }
    const order = values.order ?? (action === 'export' ? 'oldest' : 'newest');
    if (order !== 'newest' && order !== 'oldest') throw new UsageError(`--order must be newest or oldest, not "${order}".`);
    const limit = intFlag(values.limit, '--limit', 1, Number.MAX_SAFE_INTEGER);
    if (action === 'export' && values.output === undefined) throw new UsageError('Say where to export with -o FILE.');
    if (action === 'import' && values.input === undefined) throw new UsageError('Say which capture to import with -i FILE.');

    const file = action === 'import' ? path.resolve(values.store ?? historyStoreFile(io.env)) : existingStoreFile(values.store, io.env);
    const history = await openHistory({ file, onExportProgress: (p) => p.state === 'running' && progress(io, `exported ${p.exported} message(s), ${Math.floor(p.fraction * 100)}%`) });
    try {
      const movedAside = (await history.status()).movedAside;
      if (movedAside) io.stderr.write(`warning: ${file} was not a usable history store; it was moved to ${movedAside} and an empty store started.\n`);
      switch (action) {
        case 'import': {
          const input = values.input as string;
          const r = await history.importCapture(input, { ...(values.source?.[0] !== undefined ? { source: values.source[0] } : {}), ...(values['skip-malformed'] ? { skipMalformed: true } : {}) });
          for (const s of r.skipped) io.stderr.write(`${input}:${s.line}: skipped: ${s.message}\n`);
          io.stdout.write(`imported ${r.imported} message(s) into ${file}\n`);
          return 0;
        }
        case 'query': {
          const q = queryOf(values, await sourcesOf(history, values), order);
          await query(history, q, limit ?? 100, format, io);
          return 0;
        }
        case 'export': {
          const q = queryOf(values, await sourcesOf(history, values), order);
          const out = path.resolve(values.output as string);
          // An unwritable target is named before the search starts.
          try {
            accessSync(path.dirname(out), constants.W_OK);
          } catch (e) {
            throw new TopiaryError('VALIDATION_ERROR', `-o ${values.output}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : 'the folder cannot be written'}.`);
          }
          const final = await history.export({ query: q, format: format as 'json' | 'ndjson' | 'csv', file: out, ...(limit !== undefined ? { limit } : {}), signal: io.interrupted });
          endProgress(io);
          if (final.state === 'cancelled') {
            io.stderr.write('export stopped; no file was written.\n');
            return 1;
          }
          io.stderr.write(`exported ${final.exported} message(s) to ${final.file}\n`);
          return 0;
        }
        case 'clear': {
          const criteria = values.topic !== undefined || values.since !== undefined || values.until !== undefined || values.grep !== undefined || values.text !== undefined || values.qos !== undefined || values.retained || values.profile !== undefined || values.source !== undefined;
          if (!criteria && !values.all) throw new UsageError('clear deletes what a search finds: give a criterion (-t, --since, --until, …), or --all to delete everything.');
          const r = await history.clear(criteria ? queryOf(values, await sourcesOf(history, values), order) : undefined);
          io.stdout.write(`deleted ${r.deleted} message(s)\n`);
          return 0;
        }
      }
      return 2;
    } finally {
      await history.close();
    }
  },
};
