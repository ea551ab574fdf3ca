import { TOPIARY_VERSION } from '../core/version';
import { describeFailure, HelpRequested, UsageError, type CliIo, type Command } from './cli-io';

interface CommandEntry {
  readonly summary: string;
  /** Loads the command's module on first use: a command's libraries (MQTT, SQLite, the sandbox, X.509) cost
   * hundreds of milliseconds to load, and `topiary pub` should not pay for `topiary mcp`'s. */
  load(): Promise<Command>;
}

/** `topiary <command> …`: the app's core from a terminal. Exit 0 on success, 1 on a failure the user can fix, 2 on bad usage. */
const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  pub: { summary: 'publish messages and print their acknowledgements', load: async () => (await import('./pub-command')).pubCommand },
  sub: { summary: 'print the messages published to topic filters', load: async () => (await import('./sub-command')).subCommand },
  broker: { summary: 'run the embedded broker headless (alias: topiary-broker)', load: async () => (await import('./broker-command')).brokerCommand },
  check: { summary: 'report what a broker supports and how it behaves', load: async () => (await import('./check-command')).checkCommand },
  cert: { summary: 'make a CA, server and client certificates, or inspect one', load: async () => (await import('./cert-command')).certCommand },
  bench: { summary: 'generate load: bench pub, sub or conn', load: async () => (await import('./bench-command')).benchCommand },
  record: { summary: 'record messages to a capture file or the history store', load: async () => (await import('./record-command')).recordCommand },
  replay: { summary: 'replay a capture to a broker, with its timing', load: async () => (await import('./replay-command')).replayCommand },
  history: { summary: 'search, export, clear or import into the message history store', load: async () => (await import('./history-command')).historyCommand },
  mcp: { summary: 'a Model Context Protocol server over stdio for AI assistants', load: async () => (await import('./mcp-command')).mcpCommand },
  respond: { summary: 'answer messages by rules (auto-responders), e.g. MQTT 5 requests', load: async () => (await import('./respond-command')).respondCommand },
  simulate: { summary: 'run simulated devices: built-in scenarios, a sandboxed script or a template', load: async () => (await import('./simulate-command')).simulateCommand },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `Usage: topiary <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}

Run "topiary <command> --help" for its options and examples, "topiary --version" for the version.

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
  if (name === '-V' || name === '--version' || name === 'version') {
    io.stdout.write(`topiary ${TOPIARY_VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    io.stderr.write(`error: "${name}" is not a topiary command.\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
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
