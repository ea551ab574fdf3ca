import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** What web mode keeps across restarts so tabs left open reconnect: its token and its port. */
export interface WebIdentity {
  readonly token: string;
  /** The port last bound, or undefined on a first start. */
  readonly port: number | undefined;
  /** Where it is kept (readable by the user only). */
  readonly file: string;
  /** Whether this start made a new token (first start, --rotate-token, or an unreadable file). */
  readonly newToken: boolean;
}

const FILE_NAME = 'web-mode.json';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,128}$/;

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Reads (or makes) web mode's token and port in the user-data folder. The token is as good as a
 * password to the core, so the file is written 0600 and put back to 0600 if found wider.
 */
export async function loadWebIdentity(userDataDir: string, options: { readonly rotateToken?: boolean } = {}): Promise<WebIdentity> {
  const file = path.join(userDataDir, FILE_NAME);
  let saved: { token?: unknown; port?: unknown } = {};
  try {
    saved = JSON.parse(await fs.readFile(file, 'utf8')) as typeof saved;
  } catch {
    // First start, or a damaged file: start over with a new token.
  }
  const keep = !options.rotateToken && typeof saved.token === 'string' && TOKEN_PATTERN.test(saved.token);
  const token = keep ? (saved.token as string) : newToken();
  const port = typeof saved.port === 'number' && Number.isInteger(saved.port) && saved.port > 0 && saved.port < 65536 ? saved.port : undefined;
  await writeIdentity(file, token, port);
  return { token, port, file, newToken: !keep };
}

/** Records the port actually bound, so the next start takes the same one. */
export async function saveWebPort(identity: WebIdentity, port: number): Promise<void> {
  await writeIdentity(identity.file, identity.token, port);
}

async function writeIdentity(file: string, token: string, port: number | undefined): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify({ token, port })}\n`, { mode: 0o600 });
  await fs.chmod(temp, 0o600);
  await fs.rename(temp, file);
}

/**
 * Listens on the port asked for, else the one this user-data folder used last time, else any.
 * The last run's port is only a wish: when another program (or a Topiary with another user-data
 * folder) holds it now, a free one is taken and `onTaken` says so.
 */
export async function listenOnPreferredPort<T>(
  listen: (port: number) => Promise<T>,
  askedPort: number | undefined,
  savedPort: number | undefined,
  onTaken: (port: number) => void,
): Promise<T> {
  try {
    return await listen(askedPort ?? savedPort ?? 0);
  } catch (error) {
    if (askedPort !== undefined || savedPort === undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    onTaken(savedPort);
    return listen(0);
  }
}
