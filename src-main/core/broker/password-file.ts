import { contractError } from '../../../shared/ipc/errors';
import { formatScramCredential, parseScramCredential, type ScramCredential } from '../auth/scram';
import { checkImportedHash } from './password-hash';
import type { UserAuthMethod, UserRecord } from './types';

export { hashPassword, verifyPassword } from './password-hash';

/** Users read from a password file, and what should be re-hashed. */
export interface ImportedUsers {
  readonly users: UserRecord[];
  readonly warnings: string[];
}

/*
 * SCRAM keys and a user's methods ride in comment lines, which mosquitto skips, so an exported file still loads there:
 *   #scram:alice:SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>   (RFC 5803)
 *   #methods:bob:SCRAM-SHA-512
 * A user with SCRAM keys only (no password method) has no `user:hash` line at all.
 */
const SCRAM_LINE = '#scram:';
const METHODS_LINE = '#methods:';
const METHODS: readonly UserAuthMethod[] = ['password', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Reads a `#scram:` or `#methods:` line into `extra`; false for an ordinary comment. */
function readExtension(line: string, lineNo: number, extra: Map<string, { scram: ScramCredential[]; methods?: UserAuthMethod[] }>): boolean {
  const kind = line.startsWith(SCRAM_LINE) ? 'scram' : line.startsWith(METHODS_LINE) ? 'methods' : undefined;
  if (!kind) return false;
  const rest = line.slice(kind === 'scram' ? SCRAM_LINE.length : METHODS_LINE.length);
  const colon = rest.indexOf(':');
  if (colon <= 0) throw contractError('PASSWORD_FILE_INVALID', `Line ${lineNo} of the password file has no user name after "${kind}:".`);
  const username = rest.slice(0, colon);
  const value = rest.slice(colon + 1);
  const entry = extra.get(username) ?? { scram: [] };
  extra.set(username, entry);
  if (kind === 'scram') {
    const c = parseScramCredential(value);
    if (!c) throw contractError('PASSWORD_FILE_INVALID', `Line ${lineNo} of the password file (user "${username}") is not a SCRAM credential in RFC 5803 form (SCRAM-SHA-256$iterations:salt$StoredKey:ServerKey).`);
    entry.scram = [...entry.scram.filter((x) => x.mechanism !== c.mechanism), c];
  } else {
    const methods = value.split(',').map((m) => m.trim());
    const unknown = methods.find((m) => !(METHODS as readonly string[]).includes(m));
    if (unknown !== undefined) throw contractError('PASSWORD_FILE_INVALID', `Line ${lineNo} of the password file names an unknown method "${unknown}" for "${username}"; use ${METHODS.join(', ')}.`);
    entry.methods = methods as UserAuthMethod[];
  }
  return true;
}

/** Reads a mosquitto password file (`user:hash` per line, `#` comments), refusing unusable hashes and noting weak ones. */
export function importPasswordFile(text: string): ImportedUsers {
  const users: UserRecord[] = [];
  const warnings: string[] = [];
  const extra = new Map<string, { scram: ScramCredential[]; methods?: UserAuthMethod[] }>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      readExtension(line, i + 1, extra);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw contractError('PASSWORD_FILE_INVALID', `Line ${i + 1} of the password file has no "user:hash" pair; fix or remove that line.`);
    }
    const username = line.slice(0, colon);
    const passwordHash = line.slice(colon + 1);
    const { warning } = checkImportedHash(passwordHash, `Line ${i + 1} of the password file (user "${username}")`);
    if (warning) warnings.push(warning);
    users.push({ username, passwordHash });
  }
  for (const [username] of extra) if (!users.some((u) => u.username === username)) users.push({ username, passwordHash: '' });
  return {
    users: users.map((u) => {
      const e = extra.get(u.username);
      if (!e) return u;
      return { ...u, ...(e.scram.length > 0 ? { scram: e.scram } : {}), ...(e.methods ? { authMethods: e.methods } : {}) };
    }),
    warnings,
  };
}

/** Parses a mosquitto password file; see importPasswordFile for the warnings. */
export function parsePasswordFile(text: string): UserRecord[] {
  return importPasswordFile(text).users;
}

/** Writes users in mosquitto's password file format, SCRAM keys and methods in comment lines mosquitto skips. */
export function formatPasswordFile(users: readonly UserRecord[]): string {
  return users
    .map(
      (u) =>
        (u.passwordHash ? `${u.username}:${u.passwordHash}\n` : '') +
        (u.scram ?? []).map((c) => `${SCRAM_LINE}${u.username}:${formatScramCredential(c)}\n`).join('') +
        (u.authMethods ? `${METHODS_LINE}${u.username}:${u.authMethods.join(',')}\n` : ''),
    )
    .join('');
}
