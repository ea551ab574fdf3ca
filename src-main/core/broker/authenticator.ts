import { randomBytes } from 'node:crypto';
import { SCRAM_MECHANISMS, ScramError, ScramServer, isScramMechanism, type ScramCredential, type ScramMechanism } from '../auth/scram';
import { PasswordVerifier } from './password-hash';
import { ReasonCode } from '../../../shared/mqtt/reason-codes';
import type { UserAuthMethod, UserRecord } from './types';

/** Credentials presented at CONNECT. */
export interface Credentials {
  readonly username: string | undefined;
  readonly password: Buffer | undefined;
  /** CN of a verified client certificate, when the listener uses it as the user name. */
  readonly certificateUsername: string | undefined;
}

/** Outcome of an authentication attempt: the effective user name, or a CONNACK reason code. */
export type AuthResult = { readonly ok: true; readonly username: string | undefined } | { readonly ok: false; readonly reasonCode: number };

/** One step of an MQTT 5 enhanced authentication exchange, as the broker answers it. */
export type EnhancedAuthStep =
  | { readonly kind: 'continue'; readonly data: Buffer }
  | { readonly kind: 'success'; readonly username: string; readonly data?: Buffer }
  | { readonly kind: 'failure'; readonly reasonCode: number; readonly message: string; readonly username?: string; readonly data?: Buffer };

/**
 * One enhanced authentication exchange on the broker side (MQTT 5 section 4.12): fed the client's
 * Authentication Data from CONNECT (or a re-authenticating AUTH), then from each AUTH 0x18.
 */
export interface EnhancedAuthExchange {
  readonly method: string;
  step(data: Buffer | undefined): EnhancedAuthStep;
}

/** The methods a user may use when the record does not say. */
function defaultMethods(u: UserRecord): readonly UserAuthMethod[] {
  return [...(u.passwordHash ? (['password'] as const) : []), ...(u.scram ?? []).map((c) => c.mechanism)];
}

/** SCRAM as an enhanced authentication exchange: client-first in, server-first out; client-final in, verdict out. */
class ScramExchange implements EnhancedAuthExchange {
  private step0 = true;

  constructor(private readonly server: ScramServer) {}

  get method(): string {
    return this.server.mechanism;
  }

  step(data: Buffer | undefined): EnhancedAuthStep {
    const username = this.server.username;
    try {
      if (data === undefined || data.length === 0) {
        return { kind: 'failure', reasonCode: ReasonCode.NotAuthorized, message: `${this.method} needs Authentication Data (the SCRAM client message)`, username };
      }
      const text = data.toString('utf8');
      if (this.step0) {
        this.step0 = false;
        return { kind: 'continue', data: Buffer.from(this.server.start(text), 'utf8') };
      }
      const verdict = this.server.finish(text);
      if (verdict.ok) return { kind: 'success', username: verdict.username, data: Buffer.from(verdict.serverFinal, 'utf8') };
      return { kind: 'failure', reasonCode: ReasonCode.NotAuthorized, message: `${this.method} for "${verdict.username}" failed: ${verdict.reason}`, username: verdict.username, data: Buffer.from(verdict.serverFinal, 'utf8') };
    } catch (e) {
      if (!(e instanceof ScramError)) throw e;
      return { kind: 'failure', reasonCode: ReasonCode.NotAuthorized, message: e.message, username: this.server.username };
    }
  }
}

/** Decides who may connect: anonymous access, password users, SCRAM users, certificate CNs. */
export class Authenticator {
  private readonly users = new Map<string, UserRecord>();
  private readonly verifier = new PasswordVerifier();
  /** Seeds the made-up salts of unknown SCRAM users; per process, so it is never stored. */
  private readonly decoySecret = randomBytes(32);

  constructor(
    public allowAnonymous: boolean,
    users: readonly UserRecord[],
    /** The enhanced authentication methods offered at all. */
    public enhancedMethods: readonly ScramMechanism[] = SCRAM_MECHANISMS,
  ) {
    this.setUsers(users);
  }

  setUsers(users: readonly UserRecord[]): void {
    this.users.clear();
    for (const u of users) this.users.set(u.username, u);
  }

  listUsers(): UserRecord[] {
    return [...this.users.values()];
  }

  /** Whether a user may sign in with this method. */
  private allows(u: UserRecord, method: UserAuthMethod): boolean {
    return (u.authMethods ?? defaultMethods(u)).includes(method);
  }

  /** The user's stored SCRAM keys for a mechanism, when that user may use it. */
  private scramCredential(username: string, mechanism: ScramMechanism): ScramCredential | undefined {
    const u = this.users.get(username);
    if (!u || !this.allows(u, mechanism)) return undefined;
    return u.scram?.find((c) => c.mechanism === mechanism);
  }

  /** Starts an enhanced authentication exchange; undefined when the method is not offered (CONNACK 0x8C). */
  startEnhanced(method: string): EnhancedAuthExchange | undefined {
    if (!isScramMechanism(method) || !this.enhancedMethods.includes(method)) return undefined;
    return new ScramExchange(new ScramServer(method, (u, m) => this.scramCredential(u, m), this.decoySecret));
  }

  /** Decides at once when no password needs checking; otherwise the PBKDF2 check runs off the event loop. */
  authenticate(c: Credentials): AuthResult | Promise<AuthResult> {
    if (c.certificateUsername !== undefined) return { ok: true, username: c.certificateUsername };
    if (c.username === undefined) {
      return this.allowAnonymous ? { ok: true, username: undefined } : { ok: false, reasonCode: ReasonCode.NotAuthorized };
    }
    const user = this.users.get(c.username);
    if (user === undefined) {
      // An unknown user with anonymous access on is let in as that name only when no users are configured at all.
      if (this.users.size === 0 && this.allowAnonymous) return { ok: true, username: c.username };
      return { ok: false, reasonCode: ReasonCode.BadUserNameOrPassword };
    }
    // A SCRAM-only user has no password hash to check: the same answer as a wrong password.
    if (c.password === undefined || !user.passwordHash || !this.allows(user, 'password')) return { ok: false, reasonCode: ReasonCode.BadUserNameOrPassword };
    const hash = user.passwordHash;
    const username = c.username;
    return this.verifier.verify(c.password.toString('utf8'), hash).then(
      (ok): AuthResult => (ok === 'busy' ? { ok: false, reasonCode: ReasonCode.ServerBusy } : ok ? { ok: true, username } : { ok: false, reasonCode: ReasonCode.BadUserNameOrPassword }),
      (): AuthResult => ({ ok: false, reasonCode: ReasonCode.BadUserNameOrPassword }),
    );
  }
}
