import { existsSync } from 'node:fs';
import { TopiaryError } from '../../shared/ipc/errors';
import { CaptureError } from '../core/history/capture';
import { connect, replay } from '../lib';
import { endProgress, intFlag, parseFlags, progress, UsageError, type Command } from './cli-io';
import { CONNECTION_FLAGS, CONNECTION_HELP, connectOptionsFrom } from './connection-flags';

// -i is the capture here (as in the issue's `topiary replay -u URL -i FILE`); the client id is --client-id only.
const FLAGS = {
  ...CONNECTION_FLAGS,
  'client-id': { type: 'string' },
  input: { type: 'string', short: 'i' },
  speed: { type: 'string' },
  max: { type: 'boolean' },
  prefix: { type: 'string' },
  'strip-prefix': { type: 'string' },
  loop: { type: 'string' },
  'skip-malformed': { type: 'boolean' },
} as const;

const HELP = `Usage: topiary replay -i FILE [--speed X | --max] [--prefix P] [--strip-prefix P] [--loop N]

Publishes the messages of a capture (made by "topiary record" or the app) to a broker: at the recorded
timing, scaled, or as fast as the broker takes them; each with its QoS, retain flag and properties.
Prints a report: messages sent, acknowledged (QoS 1 and 2) and refused; exits 1 when any was refused.

  -i, --input FILE        the capture file
      --speed X           timing scale from 0.1 to 100 (default 1, the original timing)
      --max               as fast as possible
      --prefix P          add P in front of every topic (after --strip-prefix)
      --strip-prefix P    remove P from the front of every topic that has it
      --loop N            play the capture N times (default 1)
      --skip-malformed    skip lines that are not valid capture messages (each is named) instead of refusing the file
      --client-id ID      client identifier (-i is the capture here)

${CONNECTION_HELP.replace('  -i, --client-id ID       client identifier (default topiary-xxxxxxxx)\n', '')}
Examples:
  topiary replay -u mqtt://127.0.0.1:1883 -i plant.ndjson
  topiary replay -u mqtt://test-broker:1883 -i plant.ndjson --speed 10 --prefix replay/
  topiary replay -i burst.ndjson --max --loop 5
`;

export const replayCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, FLAGS);
    const file = values.input;
    if (file === undefined) throw new UsageError('Say which capture to replay with -i FILE.');
    if (values.max && values.speed !== undefined) throw new UsageError('Give --speed or --max, not both.');
    let speed: number | 'max' = 1;
    if (values.max) speed = 'max';
    else if (values.speed !== undefined) {
      const n = Number(values.speed.replace(/x$/i, ''));
      if (!Number.isFinite(n) || n < 0.1 || n > 100) throw new UsageError(`--speed must be a number from 0.1 to 100, not "${values.speed}".`);
      speed = n;
    }
    const loops = intFlag(values.loop, '--loop', 1, 1_000_000) ?? 1;
    if (!existsSync(file)) throw new TopiaryError('VALIDATION_ERROR', `-i ${file}: no such file.`);

    const client = await connect(connectOptionsFrom(values, io.env));
    client.on('error', () => undefined);
    try {
      const run = replay(client, {
        file,
        speed,
        loops,
        ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
        ...(values['strip-prefix'] !== undefined ? { stripPrefix: values['strip-prefix'] } : {}),
        ...(values['skip-malformed'] ? { skipMalformed: true } : {}),
        signal: io.interrupted,
        onProgress: (p) => progress(io, `replayed ${p.sent} of ${p.total} (acknowledged ${p.acknowledged}, refused ${p.refused})${p.total > 0 ? ` ${Math.floor((p.sent / p.total) * 100)}%` : ''}`),
      });
      const report = await run.done.catch((e: unknown) => {
        endProgress(io);
        if (e instanceof CaptureError) throw new TopiaryError(e.code, `${e.message} Nothing was sent; --skip-malformed replays the other lines.`, e.details);
        throw e;
      });
      endProgress(io);
      for (const s of report.skipped) io.stderr.write(`${file}:${s.line}: skipped: ${s.message}\n`);
      io.stdout.write(`sent ${report.sent}, acknowledged ${report.acknowledged}, refused ${report.refused} in ${(report.durationMs / 1000).toFixed(1)} s${report.cancelled ? ' (stopped)' : ''}\n`);
      if (report.refused > 0) {
        io.stderr.write(`error: ${report.refused} message(s) were refused; the first: ${report.errors[0] ?? 'unknown reason'}\n`);
        return 1;
      }
      return 0;
    } finally {
      await client.end();
    }
  },
};
