import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/** What asking the OS keyring for Topiary's master key gave: the key's text, or why there is none. */
export type MasterKeyLookup =
  | { readonly ok: true; readonly value: string; readonly created: boolean }
  | { readonly ok: false; readonly reason: KeyringRefusal; readonly message: string };

/** Why the keyring gave no key: none is running, it is locked or said no, it hung, or something else broke. */
export type KeyringRefusal = 'absent' | 'locked' | 'timeout' | 'failed';

/** The OS keyring as the vault needs it: one entry holding one master key, created on first use. */
export interface OsKeyring {
  /** Which keyring this is, in words for the UI ("Secret Service", "macOS Keychain", …). */
  readonly backend: string;
  /** Reads the entry, first writing `newValue()` into it when it is empty. Never throws; never hangs past its timeout. */
  loadOrCreate(service: string, account: string, newValue: () => string): Promise<MasterKeyLookup>;
}

export interface ChildProcessKeyringOptions {
  /** How long the keyring may take to answer before Topiary gives up on it. */
  readonly timeoutMs?: number;
  /** Environment for the helper process, e.g. another DBUS_SESSION_BUS_ADDRESS; defaults to this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

const DEFAULT_TIMEOUT_MS = 2000;

/**
 * The real OS keyring (@napi-rs/keyring), asked from a short-lived child process.
 *
 * The N-API calls are synchronous and a D-Bus call to a missing or wedged Secret Service can
 * block indefinitely; in a child process neither can stall the event loop, and a timeout can kill it.
 */
export function childProcessKeyring(options: ChildProcessKeyringOptions = {}): OsKeyring {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    backend: keyringBackendName(process.platform),
    loadOrCreate: (service, account, newValue) => askChild({ service, account, newValue: newValue() }, timeoutMs, options.env ?? process.env),
  };
}

/** The name users know their platform's keyring by. */
export function keyringBackendName(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'macOS Keychain';
    case 'win32':
      return 'Windows Credential Manager';
    default:
      return 'Secret Service';
  }
}

interface ChildRequest {
  readonly modulePath: string;
  readonly service: string;
  readonly account: string;
  readonly newValue: string;
}

// Runs in the child. The request arrives on stdin, not argv, since it carries a key; the answer leaves on stdout.
// On Linux the entry is pinned to the Secret Service: the library's other fallback, the kernel
// keyring, forgets everything at logout and would take every sealed secret with it.
const CHILD_SCRIPT = `
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const out = (answer) => process.stdout.write(JSON.stringify(answer));
  try {
    const request = JSON.parse(input);
    const { Entry } = require(request.modulePath);
    const options = process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;
    const entry = new Entry(request.service, request.account, options);
    let value = entry.getPassword();
    let created = false;
    if (value === null || value === undefined) {
      entry.setPassword(request.newValue);
      // Read back rather than trust our own value: a second Topiary starting at the same moment may have won.
      value = entry.getPassword();
      created = value === request.newValue;
    }
    out({ ok: true, value, created });
  } catch (error) {
    out({ ok: false, message: String((error && error.message) || error) });
  }
});
`;

async function askChild(request: Omit<ChildRequest, 'modulePath'>, timeoutMs: number, env: NodeJS.ProcessEnv): Promise<MasterKeyLookup> {
  let modulePath: string;
  try {
    modulePath = createRequire(__filename).resolve('@napi-rs/keyring');
  } catch (error) {
    return { ok: false, reason: 'failed', message: `the keyring module could not be found (${(error as Error).message})` };
  }
  return new Promise((resolve) => {
    // ELECTRON_RUN_AS_NODE so this also works should an Electron binary ever be the one running the core.
    const child = spawn(process.execPath, ['-e', CHILD_SCRIPT], { env: { ...env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (result: MasterKeyLookup): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, reason: 'timeout', message: `the keyring did not answer within ${(timeoutMs / 1000).toFixed(1)} s` });
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => finish({ ok: false, reason: 'failed', message: `the keyring helper could not start (${error.message})` }));
    child.on('close', (code) => finish(parseAnswer(stdout, stderr, code)));
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify({ ...request, modulePath } satisfies ChildRequest));
  });
}

function parseAnswer(stdout: string, stderr: string, code: number | null): MasterKeyLookup {
  let answer: { ok?: unknown; value?: unknown; created?: unknown; message?: unknown };
  try {
    answer = JSON.parse(stdout) as typeof answer;
  } catch {
    const said = stderr.trim().split('\n').slice(-1)[0] ?? '';
    return { ok: false, reason: 'failed', message: `the keyring helper exited with code ${String(code)}${said ? `: ${said}` : ''}` };
  }
  if (answer.ok === true && typeof answer.value === 'string') return { ok: true, value: answer.value, created: answer.created === true };
  const message = typeof answer.message === 'string' ? answer.message : 'the keyring helper gave no answer';
  return { ok: false, reason: classifyKeyringMessage(message), message };
}

/** Sorts the library's error text into what a user would do about it. */
export function classifyKeyringMessage(message: string): KeyringRefusal {
  if (/locked|dismissed|NoStorageAccess|access platform storage|denied|not allowed|user canceled/i.test(message)) return 'locked';
  if (/D-?Bus|DBUS_SESSION_BUS_ADDRESS|ServiceUnknown|org\.freedesktop\.secrets|NoBackend|no platform|not available/i.test(message)) return 'absent';
  return 'failed';
}
