import { createHash, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { UserRecord } from './types';
import { BrokerError } from './types';

/** mosquitto's default PBKDF2 iteration count for `$7$` hashes. */
export const DEFAULT_PBKDF2_ITERATIONS = 101;

/** Hashes a password in mosquitto's `$7$iterations$salt$hash` format (PBKDF2-SHA512, 12-byte salt). */
export function hashPassword(password: string, iterations = DEFAULT_PBKDF2_ITERATIONS): string {
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, iterations, 64, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Checks a password against a `$7$` (PBKDF2-SHA512) or `$6$` (salted SHA-512) mosquitto hash. */
export function verifyPassword(password: string, stored: string): boolean {
  const parts = stored.split('$');
  if (parts[1] === '7' && parts.length === 5) {
    const iterations = Number(parts[2]);
    if (!Number.isInteger(iterations) || iterations < 1) return false;
    const salt = Buffer.from(parts[3]!, 'base64');
    const expected = Buffer.from(parts[4]!, 'base64');
    const actual = pbkdf2Sync(password, salt, iterations, expected.length || 64, 'sha512');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
  if (parts[1] === '6' && parts.length === 4) {
    const salt = Buffer.from(parts[2]!, 'base64');
    const expected = Buffer.from(parts[3]!, 'base64');
    const actual = createHash('sha512').update(password).update(salt).digest();
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
  return false;
}

/** Parses a mosquitto password file (`user:hash` per line, `#` comments). */
export function parsePasswordFile(text: string): UserRecord[] {
  const users: UserRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw new BrokerError('PASSWORD_FILE_INVALID', `Line ${i + 1} of the password file has no "user:hash" pair; fix or remove that line.`);
    }
    const passwordHash = line.slice(colon + 1);
    if (!/^\$[67]\$/.test(passwordHash)) {
      throw new BrokerError(
        'PASSWORD_FILE_INVALID',
        `Line ${i + 1} of the password file holds a plain-text or unknown hash; hash it with mosquitto_passwd -U or re-add the user.`,
      );
    }
    users.push({ username: line.slice(0, colon), passwordHash });
  }
  return users;
}

/** Writes users in mosquitto's password file format. */
export function formatPasswordFile(users: readonly UserRecord[]): string {
  return users.map((u) => `${u.username}:${u.passwordHash}\n`).join('');
}
