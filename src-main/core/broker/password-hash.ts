import { contractError } from '../../../shared/ipc/errors';
import { createHash, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * PBKDF2-HMAC-SHA512 iterations for new hashes: OWASP's Password Storage Cheat Sheet figure for that function.
 * mosquitto_passwd still writes 101, far below it; mosquitto reads the count from the hash, so ours work there too.
 */
export const OWASP_PBKDF2_SHA512_ITERATIONS = 210_000;
/** Above this a stored hash costs seconds per CONNECT: a typo or an attack, never a setting anyone wants. */
export const MAX_PBKDF2_ITERATIONS = 2_000_000;
const SALT_BYTES = 12;
const KEY_BYTES = 64;

/** A stored hash taken apart. */
export type ParsedHash =
  | { readonly kind: 'pbkdf2-sha512'; readonly iterations: number; readonly salt: Buffer; readonly hash: Buffer }
  | { readonly kind: 'sha512'; readonly salt: Buffer; readonly hash: Buffer };

/** Reads a mosquitto `$7$iterations$salt$hash` or `$6$salt$hash`; undefined when it is neither. */
export function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts[0] !== '') return undefined;
  if (parts[1] === '7' && parts.length === 5 && /^[1-9]\d{0,9}$/.test(parts[2]!)) {
    const hash = Buffer.from(parts[4]!, 'base64');
    if (hash.length === 0) return undefined;
    return { kind: 'pbkdf2-sha512', iterations: Number(parts[2]), salt: Buffer.from(parts[3]!, 'base64'), hash };
  }
  if (parts[1] === '6' && parts.length === 4) {
    const hash = Buffer.from(parts[3]!, 'base64');
    if (hash.length === 0) return undefined;
    return { kind: 'sha512', salt: Buffer.from(parts[2]!, 'base64'), hash };
  }
  return undefined;
}

/**
 * Checks a hash coming from outside (a mosquitto password file): refuses what we cannot or should not verify, and
 * returns a warning for what works but is weak.
 */
export function checkImportedHash(stored: string, where: string): { readonly warning?: string } {
  const h = parseHash(stored);
  if (!h) {
    throw contractError('PASSWORD_FILE_INVALID', `${where} holds a plain-text or unknown hash; hash it with mosquitto_passwd -U or re-add the user.`);
  }
  if (h.kind === 'sha512') {
    return { warning: `${where} uses the old salted SHA-512 ($6$) hash, which is fast to crack: set the password again to re-hash it.` };
  }
  if (h.iterations > MAX_PBKDF2_ITERATIONS) {
    throw contractError(
      'PASSWORD_FILE_INVALID',
      `${where} asks for ${h.iterations} PBKDF2 iterations, above the ${MAX_PBKDF2_ITERATIONS} we accept (each login would take seconds); set the password again.`,
    );
  }
  if (h.iterations < OWASP_PBKDF2_SHA512_ITERATIONS) {
    return { warning: `${where} uses ${h.iterations} PBKDF2 iterations, below the ${OWASP_PBKDF2_SHA512_ITERATIONS} recommended: set the password again to re-hash it.` };
  }
  return {};
}

function checkIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw contractError('PASSWORD_ITERATIONS_INVALID', `PBKDF2 iterations must be a whole number from 1 to ${MAX_PBKDF2_ITERATIONS}; got ${iterations}.`);
  }
}

function format(iterations: number, salt: Buffer, hash: Buffer): string {
  return `$7$${iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Hashes a password in mosquitto's `$7$` form on the calling thread (for scripts and tests; the app uses the async one). */
export function hashPassword(password: string, iterations = OWASP_PBKDF2_SHA512_ITERATIONS): string {
  checkIterations(iterations);
  const salt = randomBytes(SALT_BYTES);
  return format(iterations, salt, pbkdf2Sync(password, salt, iterations, KEY_BYTES, 'sha512'));
}

/** Hashes a password in mosquitto's `$7$` form on libuv's thread pool, leaving the event loop free. */
export async function hashPasswordAsync(password: string, iterations = OWASP_PBKDF2_SHA512_ITERATIONS): Promise<string> {
  checkIterations(iterations);
  const salt = randomBytes(SALT_BYTES);
  return format(iterations, salt, await pbkdf2Async(password, salt, iterations, KEY_BYTES));
}

function pbkdf2Async(password: string, salt: Buffer, iterations: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => pbkdf2(password, salt, iterations, keyLength, 'sha512', (e, key) => (e ? reject(e) : resolve(key))));
}

function matches(actual: Buffer, expected: Buffer): boolean {
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Checks a password against a stored hash on the calling thread. Absurd iteration counts never verify. */
export function verifyPassword(password: string, stored: string): boolean {
  const h = parseHash(stored);
  if (!h) return false;
  if (h.kind === 'sha512') return matches(createHash('sha512').update(password).update(h.salt).digest(), h.hash);
  if (h.iterations > MAX_PBKDF2_ITERATIONS) return false;
  return matches(pbkdf2Sync(password, h.salt, h.iterations, h.hash.length, 'sha512'), h.hash);
}

/** Checks a password against a stored hash with PBKDF2 on libuv's thread pool. */
export async function verifyPasswordAsync(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h) return false;
  if (h.kind === 'sha512') return matches(createHash('sha512').update(password).update(h.salt).digest(), h.hash);
  if (h.iterations > MAX_PBKDF2_ITERATIONS) return false;
  return matches(await pbkdf2Async(password, h.salt, h.iterations, h.hash.length), h.hash);
}

/**
 * Runs password checks a few at a time. libuv's pool has four threads shared with file I/O (persistence), so a
 * connect storm must not occupy them all; checks beyond the queue limit are refused at once (server busy).
 */
export class PasswordVerifier {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency = 2,
    private readonly maxWaiting = 1000,
  ) {}

  /** Resolves with the result, or 'busy' when too many checks are already waiting. */
  async verify(password: string, stored: string): Promise<boolean | 'busy'> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxWaiting) return 'busy';
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await verifyPasswordAsync(password, stored);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
