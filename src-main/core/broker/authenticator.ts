import { PasswordVerifier } from './password-hash';
import { ReasonCode } from '../../../shared/mqtt/reason-codes';
import type { UserRecord } from './types';

/** Credentials presented at CONNECT. */
export interface Credentials {
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
  /** CN of a verified client certificate, when the listener uses it as the user name. */
  readonly certificateUsername: string | undefined;
}

/** Outcome of an authentication attempt: the effective user name, or a CONNACK reason code. */
export type AuthResult = { readonly ok: true; readonly username: string | undefined } | { readonly ok: false; readonly reasonCode: number };

/** Decides who may connect: anonymous access, password users, certificate CNs. */
export class Authenticator {
  private readonly users = new Map<string, string>();
  private readonly verifier = new PasswordVerifier();

  constructor(
    public allowAnonymous: boolean,
    users: readonly UserRecord[],
  ) {
    for (const u of users) this.users.set(u.username, u.passwordHash);
  }

  setUsers(users: readonly UserRecord[]): void {
    this.users.clear();
    for (const u of users) this.users.set(u.username, u.passwordHash);
  }

  listUsers(): UserRecord[] {
    return [...this.users].map(([username, passwordHash]) => ({ username, passwordHash }));
  }

  /** Decides at once when no password needs checking; otherwise the PBKDF2 check runs off the event loop. */
  authenticate(c: Credentials): AuthResult | Promise<AuthResult> {
    if (c.certificateUsername !== undefined) return { ok: true, username: c.certificateUsername };
    if (c.username === undefined) {
      return this.allowAnonymous ? { ok: true, username: undefined } : { ok: false, reasonCode: ReasonCode.NotAuthorized };
    }
    const hash = this.users.get(c.username);
    if (hash === undefined) {
      // An unknown user with anonymous access on is let in as that name only when no users are configured at all.
      if (this.users.size === 0 && this.allowAnonymous) return { ok: true, username: c.username };
      return { ok: false, reasonCode: ReasonCode.BadUserNameOrPassword };
    }
    if (c.password === undefined) return { ok: false, reasonCode: ReasonCode.BadUserNameOrPassword };
    const username = c.username;
    return this.verifier.verify(c.password.toString('utf8'), hash).then(
      (ok): AuthResult => (ok === 'busy' ? { ok: false, reasonCode: ReasonCode.ServerBusy } : ok ? { ok: true, username } : { ok: false, reasonCode: ReasonCode.BadUserNameOrPassword }),
      (): AuthResult => ({ ok: false, reasonCode: ReasonCode.BadUserNameOrPassword }),
    );
  }
}
