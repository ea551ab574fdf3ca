import { checkBroker } from '../lib/broker-check';
import { endProgress, parseFlags, progress, type Command } from './cli-io';
import { CONNECTION_FLAGS, CONNECTION_HELP, connectOptionsFrom } from './connection-flags';

const FLAGS = { ...CONNECTION_FLAGS, json: { type: 'boolean' } } as const;

const HELP = `Usage: topiary check -u URL [--json]

Reports what a broker supports and how it behaves: MQTT versions accepted, its CONNACK's promises
(maximum QoS, retain, wildcard/shared/identified subscriptions, topic aliases, receive maximum,
packet size, keepalive) and actual tests (retained messages, sessions across reconnect, wills, message
expiry, request/response, round trips at QoS 0/1/2). Each line says how it was determined. Test
messages go to topics under topiary-check/… and retained ones are cleared afterwards.

      --json               the report as JSON

${CONNECTION_HELP}
Examples:
  topiary check -u mqtt://127.0.0.1:1883
  topiary check -u mqtts://broker.example:8883 --ca ca.pem --json
`;

export const checkCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values } = parseFlags(argv, FLAGS);
    const report = await checkBroker(connectOptionsFrom(values, io.env), (step) => progress(io, `checking ${step}…`));
    endProgress(io);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const w1 = Math.max(...report.lines.map((l) => l.name.length));
    const w2 = Math.max(...report.lines.map((l) => l.value.length));
    io.stdout.write(`${report.url}\n`);
    for (const l of report.lines) io.stdout.write(`  ${l.name.padEnd(w1)}  ${l.value.padEnd(w2)}  ${l.how}\n`);
    return 0;
  },
};
