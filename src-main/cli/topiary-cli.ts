import { benchCommand } from './bench-command';
import { brokerCommand } from './broker-command';
import { certCommand } from './cert-command';
import { checkCommand } from './check-command';
import { describeFailure, HelpRequested, UsageError, type CliIo, type Command } from './cli-io';
import { historyCommand } from './history-command';
import { mcpCommand } from './mcp-command';
import { pubCommand } from './pub-command';
import { recordCommand } from './record-command';
import { replayCommand } from './replay-command';
import { respondCommand } from './respond-command';
import { simulateCommand } from './simulate-command';
import { subCommand } from './sub-command';

/** `topiary <command> …`: the app's core from a terminal. Exit 0 on success, 1 on a failure the user can fix, 2 on bad usage. */
const COMMANDS: Readonly<Record<string, Command>> = {
  pub: pubCommand,
  sub: subCommand,
  broker: brokerCommand,
  check: checkCommand,
  cert: certCommand,
  bench: benchCommand,
  record: recordCommand,
  replay: replayCommand,
  history: historyCommand,
  mcp: mcpCommand,
  respond: respondCommand,
  simulate: simulateCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `Usage: topiary <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run "topiary <command> --help" for its options and examples.

Examples:
  topiary broker --port 1883
  topiary sub -u mqtt://127.0.0.1:1883 -t 'sensors/#' --format ndjson
  topiary pub -u mqtt://127.0.0.1:1883 -t sensors/t1 -m '{"t": {{randomInt 18 25}}}' -q 1
`;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`error: "${name}" is not a topiary command.\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof HelpRequested) {
      io.stdout.write(command.help);
      return 0;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${e.message}\nRun "topiary ${name} --help" for usage.\n`);
      return 2;
    }
    io.stderr.write(`error: ${describeFailure(e)}\n`);
    return 1;
  }
}

// Run as the `topiary` command (bin/topiary.cjs requires this bundle; the alias topiary-broker goes straight to `broker`).
if (require.main === module || process.env.TOPIARY_CLI_MAIN === '1') {
  const controller = new AbortController();
  let interrupts = 0;
  const stop = (): void => {
    // A second Ctrl-C gives up on a clean stop.
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A closed pipe (topiary sub … | head) ends the command quietly.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') controller.abort();
  });
  const argv = process.argv.slice(2);
  const alias = process.env.TOPIARY_CLI_ALIAS;
  main(alias ? [alias, ...argv] : argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, interrupted: controller.signal, env: process.env }).then(
    (code) => {
      process.exitCode = code;
      // Nothing should be left running; a forgotten handle must not keep a finished command alive.
      setTimeout(() => process.exit(code), 1_000).unref();
    },
    (e: unknown) => {
      process.stderr.write(`error: ${describeFailure(e)}\n`);
      process.exit(1);
    },
  );
}
