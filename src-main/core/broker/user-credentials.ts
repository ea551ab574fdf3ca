import { SCRAM_MECHANISMS, createScramCredential } from '../auth/scram';
import { hashPasswordAsync } from './password-hash';
import type { UserAuthMethod, UserRecord } from './types';

/**
 * A user record for a password: the mosquitto hash when the password method is allowed, and SCRAM's salted
 * keys for each allowed SCRAM mechanism. The password itself is not kept.
 */
export async function createUserRecord(
  username: string,
  password: string,
  options: { readonly authMethods?: readonly UserAuthMethod[]; readonly scramIterations?: number; readonly passwordIterations?: number } = {},
): Promise<UserRecord> {
  const methods = options.authMethods ?? ['password', ...SCRAM_MECHANISMS];
  const mechanisms = SCRAM_MECHANISMS.filter((m) => methods.includes(m));
  const [passwordHash, scram] = await Promise.all([
    methods.includes('password') ? hashPasswordAsync(password, options.passwordIterations) : Promise.resolve(''),
    Promise.all(mechanisms.map((m) => createScramCredential(m, password, { iterations: options.scramIterations }))),
  ]);
  return { username, passwordHash, ...(scram.length > 0 ? { scram } : {}), ...(options.authMethods ? { authMethods: options.authMethods } : {}) };
}
