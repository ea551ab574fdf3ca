import { contractError } from '../../../shared/ipc/errors';
import { checkImportedHash } from './password-hash';
import type { UserRecord } from './types';

export { hashPassword, verifyPassword } from './password-hash';

/** Users read from a password file, and what should be re-hashed. */
export interface ImportedUsers {
  readonly users: UserRecord[];
  readonly warnings: string[];
}

/** Reads a mosquitto password file (`user:hash` per line, `#` comments), refusing unusable hashes and noting weak ones. */
export function importPasswordFile(text: string): ImportedUsers {
  const users: UserRecord[] = [];
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
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
  return { users, warnings };
}

/** Parses a mosquitto password file; see importPasswordFile for the warnings. */
export function parsePasswordFile(text: string): UserRecord[] {
  return importPasswordFile(text).users;
}

/** Writes users in mosquitto's password file format. */
export function formatPasswordFile(users: readonly UserRecord[]): string {
  return users.map((u) => `${u.username}:${u.passwordHash}\n`).join('');
}
