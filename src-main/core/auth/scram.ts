import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/*
 * SCRAM (RFC 5802) with SHA-1, SHA-256 (RFC 7677) and SHA-512, both sides, on node:crypto.
 *
 * The message syntax is written here because no maintained package fits: the registry's SCRAM packages
 * (sasl-scram-sha-1, @xmpp/sasl-scram-sha-1) are SHA-1 only and client only, and carry their own SASL
 * framework; a broker needs the server side and stored keys. The grammar is small (comma-separated
 * `a=value` attributes) and every parser below refuses what the RFC does not allow.
 *
 * Channel binding is not offered (gs2 header "n,,"); the -PLUS variants are not implemented.
 */

/** The SCRAM mechanisms Topiary speaks, by their SASL names (also the MQTT 5 Authentication Method). */
export const SCRAM_MECHANISMS = ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type ScramMechanism = (typeof SCRAM_MECHANISMS)[number];

const DIGEST: Readonly<Record<ScramMechanism, { readonly hash: string; readonly bytes: number }>> = {
  'SCRAM-SHA-1': { hash: 'sha1', bytes: 20 },
  'SCRAM-SHA-256': { hash: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { hash: 'sha512', bytes: 64 },
};

/** RFC 7677 asks for at least 4,096; below that an eavesdropper's dictionary attack on the proof is cheap. */
export const SCRAM_MIN_ITERATIONS = 4096;
/** Iterations for new credentials. Every client pays this once per connect, so it is kept at the RFC's figure. */
export const SCRAM_DEFAULT_ITERATIONS = 4096;
/** Above this a server's (or a stored credential's) count costs seconds per login: refused as an attack or a typo. */
export const SCRAM_MAX_ITERATIONS = 1_000_000;
const NONCE_BYTES = 18;
const SALT_BYTES = 16;
/** Bounds a message from the other side before it is parsed. */
const MAX_MESSAGE_LENGTH = 4096;

export function isScramMechanism(name: unknown): name is ScramMechanism {
  return typeof name === 'string' && (SCRAM_MECHANISMS as readonly string[]).includes(name);
}

/** A SCRAM exchange went wrong: `code` says who is at fault, for the reason code or error the caller reports. */
export class ScramError extends Error {
  constructor(
    readonly code: 'malformed' | 'unknown-user' | 'invalid-proof' | 'server-not-verified' | 'server-error' | 'bad-iterations',
    message: string,
  ) {
    super(message);
    this.name = 'ScramError';
  }
}

/** What a server stores for one user and mechanism: salted keys, never the password (RFC 5802 section 3). */
export interface ScramCredential {
  readonly mechanism: ScramMechanism;
  /** Base64. */
  readonly salt: string;
  readonly iterations: number;
  /** Base64 of H(ClientKey). */
  readonly storedKey: string;
  /** Base64 of HMAC(SaltedPassword, "Server Key"). */
  readonly serverKey: string;
}

/** RFC 3454 table B.1: removed by SASLprep. */
const MAPPED_TO_NOTHING = new Set([0xad, 0x34f, 0x1806, 0x180b, 0x180c, 0x180d, 0x200b, 0x200c, 0x200d, 0x2060, 0xfeff, ...Array.from({ length: 16 }, (_, i) => 0xfe00 + i)]);
/** RFC 3454 table C.1.2: mapped to a space by SASLprep. */
const NON_ASCII_SPACE = /^[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Prepares a user name or password. SASLprep (RFC 4013) is, in substance, a mapping of non-ASCII spaces to
 * spaces, removal of "mapped to nothing" characters, NFKC and a ban on control characters; this does
 * those four. It skips the bidirectional and unassigned-code-point checks, so a few strings SASLprep would
 * refuse pass through unchanged (both sides then still agree, as both run this).
 */
export function saslPrep(s: string): string {
  let mapped = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (MAPPED_TO_NOTHING.has(cp)) continue;
    mapped += NON_ASCII_SPACE.test(ch) ? ' ' : ch;
  }
  const out = mapped.normalize('NFKC');
  if (CONTROL.test(out)) throw new ScramError('malformed', 'A SCRAM user name or password must not contain control characters.');
  return out;
}

/** Hi() of RFC 5802: PBKDF2 with HMAC of the mechanism's hash, one block. Blocks the thread: see hiAsync. */
export function hi(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  const d = DIGEST[mechanism];
  return pbkdf2Sync(Buffer.from(saslPrep(password), 'utf8'), salt, iterations, d.bytes, d.hash);
}

/** Hi() on libuv's thread pool, so a login does not stall the event loop. */
export function hiAsync(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  const d = DIGEST[mechanism];
  const prepared = Buffer.from(saslPrep(password), 'utf8');
  return new Promise((resolve, reject) => pbkdf2(prepared, salt, iterations, d.bytes, d.hash, (e, key) => (e ? reject(e) : resolve(key))));
}

function hmac(mechanism: ScramMechanism, key: Buffer, data: string | Buffer): Buffer {
  return createHmac(DIGEST[mechanism].hash, key).update(data).digest();
}

function h(mechanism: ScramMechanism, data: Buffer): Buffer {
  return createHash(DIGEST[mechanism].hash).update(data).digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** The keys derived from a salted password. */
export function scramKeys(mechanism: ScramMechanism, saltedPassword: Buffer): { readonly clientKey: Buffer; readonly storedKey: Buffer; readonly serverKey: Buffer } {
  const clientKey = hmac(mechanism, saltedPassword, 'Client Key');
  return { clientKey, storedKey: h(mechanism, clientKey), serverKey: hmac(mechanism, saltedPassword, 'Server Key') };
}

/** ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage). */
export function clientProof(mechanism: ScramMechanism, saltedPassword: Buffer, authMessage: string): Buffer {
  const { clientKey, storedKey } = scramKeys(mechanism, saltedPassword);
  return xor(clientKey, hmac(mechanism, storedKey, authMessage));
}

/** ServerSignature = HMAC(ServerKey, AuthMessage). */
export function serverSignature(mechanism: ScramMechanism, serverKey: Buffer, authMessage: string): Buffer {
  return hmac(mechanism, serverKey, authMessage);
}

/** Stored credentials for a password (the salt is random unless given). */
export async function createScramCredential(
  mechanism: ScramMechanism,
  password: string,
  options: { readonly iterations?: number; readonly salt?: Buffer } = {},
): Promise<ScramCredential> {
  const iterations = options.iterations ?? SCRAM_DEFAULT_ITERATIONS;
  checkIterations(iterations);
  const salt = options.salt ?? randomBytes(SALT_BYTES);
  const keys = scramKeys(mechanism, await hiAsync(mechanism, password, salt, iterations));
  return { mechanism, salt: salt.toString('base64'), iterations, storedKey: keys.storedKey.toString('base64'), serverKey: keys.serverKey.toString('base64') };
}

function checkIterations(iterations: number): void {
  if (!Number.isInteger(iterations) || iterations < SCRAM_MIN_ITERATIONS || iterations > SCRAM_MAX_ITERATIONS) {
    throw new ScramError('bad-iterations', `A SCRAM iteration count must be a whole number from ${SCRAM_MIN_ITERATIONS} to ${SCRAM_MAX_ITERATIONS}, not ${iterations}.`);
  }
}

/** RFC 5803's text form, `SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>` (as PostgreSQL stores it). */
export function formatScramCredential(c: ScramCredential): string {
  return `${c.mechanism}$${c.iterations}:${c.salt}$${c.storedKey}:${c.serverKey}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Reads RFC 5803's text form; undefined when it is not one of ours with keys of the right length. */
export function parseScramCredential(text: string): ScramCredential | undefined {
  const m = /^(SCRAM-SHA-(?:1|256|512))\$([1-9]\d{0,9}):([^$:]+)\$([^$:]+):([^$:]+)$/.exec(text);
  if (!m) return undefined;
  const mechanism = m[1] as ScramMechanism;
  const [salt, storedKey, serverKey] = [m[3]!, m[4]!, m[5]!];
  if (![salt, storedKey, serverKey].every((s) => BASE64.test(s))) return undefined;
  const bytes = DIGEST[mechanism].bytes;
  if (Buffer.from(storedKey, 'base64').length !== bytes || Buffer.from(serverKey, 'base64').length !== bytes) return undefined;
  return { mechanism, salt, iterations: Number(m[2]), storedKey, serverKey };
}

// ---- messages ------------------------------------------------------------------------------------

/** Splits `a=v,b=w` into ordered attributes, refusing anything that is not one letter, '=' and a value. */
function attributes(text: string, what: string): { readonly name: string; readonly value: string }[] {
  if (text.length > MAX_MESSAGE_LENGTH) throw new ScramError('malformed', `The SCRAM ${what} is longer than ${MAX_MESSAGE_LENGTH} characters.`);
  return text.split(',').map((part) => {
    if (!/^[A-Za-z]=/.test(part)) throw new ScramError('malformed', `The SCRAM ${what} has a malformed attribute "${part.slice(0, 40)}".`);
    return { name: part[0]!, value: part.slice(2) };
  });
}

/** saslname: "=2C" for ',' and "=3D" for '='; any other '=' is an error (RFC 5802 section 5.1). */
function decodeSaslName(s: string): string {
  if (/=(?!2C|3D)/.test(s)) throw new ScramError('malformed', 'A SCRAM user name has an "=" that is not =2C or =3D.');
  return s.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

function encodeSaslName(s: string): string {
  return s.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** Printable ASCII except ',' (RFC 5802's "printable"). */
const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

function requireBase64(value: string, what: string): Buffer {
  if (!BASE64.test(value) || value.length % 4 !== 0) throw new ScramError('malformed', `The SCRAM ${what} is not base64.`);
  return Buffer.from(value, 'base64');
}

export interface ClientFirst {
  readonly gs2Header: string;
  readonly username: string;
  readonly nonce: string;
  /** The message without the GS2 header: part of AuthMessage. */
  readonly bare: string;
}

export function parseClientFirst(text: string): ClientFirst {
  const m = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/s.exec(text);
  if (!m) throw new ScramError('malformed', 'The SCRAM client-first-message has no GS2 header ("n,," expected).');
  if (m[1]!.startsWith('p=')) throw new ScramError('malformed', 'SCRAM channel binding (-PLUS) is not supported.');
  if (m[2] !== undefined) throw new ScramError('malformed', 'A SCRAM authorisation identity (a=) is not supported.');
  const bare = m[3]!;
  const attrs = attributes(bare, 'client-first-message');
  if (attrs[0]?.name === 'm') throw new ScramError('malformed', 'The SCRAM client-first-message asks for an extension (m=) that is not supported.');
  if (attrs.length < 2 || attrs[0]!.name !== 'n' || attrs[1]!.name !== 'r') throw new ScramError('malformed', 'The SCRAM client-first-message must start with n= and r=.');
  const username = decodeSaslName(attrs[0]!.value);
  const nonce = attrs[1]!.value;
  if (username === '') throw new ScramError('malformed', 'The SCRAM client-first-message has an empty user name.');
  if (!NONCE.test(nonce)) throw new ScramError('malformed', 'The SCRAM client nonce is empty or not printable.');
  return { gs2Header: `${m[1]},${m[2] ?? ''},`, username, nonce, bare };
}

export interface ServerFirst {
  readonly nonce: string;
  readonly salt: Buffer;
  readonly iterations: number;
}

export function parseServerFirst(text: string): ServerFirst {
  const attrs = attributes(text, 'server-first-message');
  if (attrs[0]?.name === 'e') throw new ScramError('server-error', `The server refused SCRAM: ${attrs[0].value}.`);
  if (attrs[0]?.name === 'm') throw new ScramError('malformed', 'The SCRAM server-first-message asks for an extension (m=) that is not supported.');
  if (attrs.length < 3 || attrs[0]!.name !== 'r' || attrs[1]!.name !== 's' || attrs[2]!.name !== 'i') {
    throw new ScramError('malformed', 'The SCRAM server-first-message must be r=…,s=…,i=….');
  }
  const nonce = attrs[0]!.value;
  if (!NONCE.test(nonce)) throw new ScramError('malformed', 'The SCRAM server nonce is empty or not printable.');
  const salt = requireBase64(attrs[1]!.value, 'salt');
  if (!/^[1-9]\d{0,9}$/.test(attrs[2]!.value)) throw new ScramError('malformed', 'The SCRAM iteration count is not a positive number.');
  return { nonce, salt, iterations: Number(attrs[2]!.value) };
}

export interface ClientFinal {
  readonly channelBinding: string;
  readonly nonce: string;
  readonly proof: Buffer;
  /** client-final-message-without-proof: part of AuthMessage. */
  readonly withoutProof: string;
}

export function parseClientFinal(text: string): ClientFinal {
  const attrs = attributes(text, 'client-final-message');
  const last = attrs[attrs.length - 1];
  if (attrs.length < 3 || attrs[0]!.name !== 'c' || attrs[1]!.name !== 'r' || last?.name !== 'p') {
    throw new ScramError('malformed', 'The SCRAM client-final-message must be c=…,r=…,p=….');
  }
  return {
    channelBinding: attrs[0]!.value,
    nonce: attrs[1]!.value,
    proof: requireBase64(last.value, 'client proof'),
    withoutProof: text.slice(0, text.lastIndexOf(',p=')),
  };
}

export type ServerFinal = { readonly verifier: Buffer } | { readonly error: string };

export function parseServerFinal(text: string): ServerFinal {
  const attrs = attributes(text, 'server-final-message');
  if (attrs[0]?.name === 'e') return { error: attrs[0].value };
  if (attrs[0]?.name !== 'v') throw new ScramError('malformed', 'The SCRAM server-final-message must be v=… or e=….');
  return { verifier: requireBase64(attrs[0].value, 'server signature') };
}

/** A nonce of printable characters from a CSPRNG (base64 has no ','). */
export function createNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64');
}

// ---- the two sides ---------------------------------------------------------------------------------

/** The client side of one exchange: first(), then final(serverFirst), then verify(serverFinal). */
export class ScramClient {
  private readonly clientFirstBare: string;
  private expectedSignature: Buffer | undefined;

  constructor(
    readonly mechanism: ScramMechanism,
    readonly username: string,
    private readonly password: string,
    private readonly nonce: string = createNonce(),
  ) {
    if (!NONCE.test(nonce)) throw new ScramError('malformed', 'A SCRAM nonce must be printable characters without ",".');
    this.clientFirstBare = `n=${encodeSaslName(saslPrep(username))},r=${nonce}`;
  }

  /** client-first-message. */
  first(): string {
    return `n,,${this.clientFirstBare}`;
  }

  /** client-final-message for the server's first message; the PBKDF2 runs on the thread pool. */
  async final(serverFirstText: string): Promise<string> {
    const sf = parseServerFirst(serverFirstText);
    if (!sf.nonce.startsWith(this.nonce) || sf.nonce.length === this.nonce.length) {
      throw new ScramError('malformed', 'The server\'s SCRAM nonce does not extend ours: the exchange was tampered with or the server is broken.');
    }
    if (sf.iterations < SCRAM_MIN_ITERATIONS || sf.iterations > SCRAM_MAX_ITERATIONS) {
      throw new ScramError('bad-iterations', `The server asked for ${sf.iterations} SCRAM iterations; Topiary accepts ${SCRAM_MIN_ITERATIONS} to ${SCRAM_MAX_ITERATIONS} (fewer make a stolen exchange cheap to crack).`);
    }
    const salted = await hiAsync(this.mechanism, this.password, sf.salt, sf.iterations);
    const withoutProof = `c=biws,r=${sf.nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirstText},${withoutProof}`;
    const { serverKey } = scramKeys(this.mechanism, salted);
    this.expectedSignature = serverSignature(this.mechanism, serverKey, authMessage);
    return `${withoutProof},p=${clientProof(this.mechanism, salted, authMessage).toString('base64')}`;
  }

  /** Checks the server-final-message: a server that cannot prove it knows the password is refused. */
  verify(serverFinalText: string | undefined): void {
    if (!this.expectedSignature) throw new ScramError('malformed', 'verify() was called before final().');
    if (serverFinalText === undefined || serverFinalText === '') {
      throw new ScramError('server-not-verified', 'The server did not send its SCRAM signature, so it has not proved that it knows the password.');
    }
    const sf = parseServerFinal(serverFinalText);
    if ('error' in sf) throw new ScramError('server-error', `The server refused the SCRAM proof: ${sf.error}.`);
    if (sf.verifier.length !== this.expectedSignature.length || !timingSafeEqual(sf.verifier, this.expectedSignature)) {
      throw new ScramError('server-not-verified', 'The server\'s SCRAM signature is wrong: it does not know this user\'s password (an impostor, or stale credentials on the server).');
    }
  }
}

/** Looks up a user's stored credential for a mechanism; undefined when there is none (or the method is not allowed). */
export type ScramCredentialLookup = (username: string, mechanism: ScramMechanism) => ScramCredential | undefined;

/** The outcome of a server-side exchange. */
export type ScramServerResult =
  | { readonly ok: true; readonly username: string; readonly serverFinal: string }
  | { readonly ok: false; readonly username: string; readonly serverFinal: string; readonly reason: string };

/**
 * The server side of one exchange: start(clientFirst) gives server-first, finish(clientFinal) the verdict.
 * An unknown user gets a made-up salt derived from a secret (the same on every try) and fails only at the
 * proof, so a client cannot learn which user names exist (RFC 5802 section 9).
 */
export class ScramServer {
  private first: ClientFirst | undefined;
  private serverFirstText = '';
  private nonce = '';
  private credential: ScramCredential | undefined;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly lookup: ScramCredentialLookup,
    private readonly decoySecret: Buffer,
    private readonly serverNonce: string = createNonce(),
  ) {}

  get username(): string | undefined {
    return this.first?.username;
  }

  start(clientFirstText: string): string {
    const first = parseClientFirst(clientFirstText);
    this.first = first;
    this.credential = this.lookup(first.username, this.mechanism);
    const salt = this.credential ? this.credential.salt : hmac(this.mechanism, this.decoySecret, first.username).subarray(0, SALT_BYTES).toString('base64');
    const iterations = this.credential ? this.credential.iterations : SCRAM_DEFAULT_ITERATIONS;
    this.nonce = first.nonce + this.serverNonce;
    this.serverFirstText = `r=${this.nonce},s=${salt},i=${iterations}`;
    return this.serverFirstText;
  }

  finish(clientFinalText: string): ScramServerResult {
    const first = this.first;
    if (!first) throw new ScramError('malformed', 'finish() was called before start().');
    const final = parseClientFinal(clientFinalText);
    const username = first.username;
    const refuse = (reason: string, error = 'invalid-proof'): ScramServerResult => ({ ok: false, username, serverFinal: `e=${error}`, reason });
    if (final.channelBinding !== Buffer.from(first.gs2Header).toString('base64')) return refuse('the channel binding does not match the GS2 header', 'channel-bindings-dont-match');
    if (final.nonce !== this.nonce) return refuse('the nonce does not match this exchange', 'other-error');
    const c = this.credential;
    if (!c) return refuse(`no ${this.mechanism} credential for user "${username}"`, 'invalid-proof');
    const authMessage = `${first.bare},${this.serverFirstText},${final.withoutProof}`;
    const storedKey = Buffer.from(c.storedKey, 'base64');
    if (final.proof.length !== storedKey.length) return refuse('the proof has the wrong length');
    const clientKey = xor(final.proof, hmac(this.mechanism, storedKey, authMessage));
    if (!timingSafeEqual(h(this.mechanism, clientKey), storedKey)) return refuse('the proof is wrong (wrong password)');
    const signature = serverSignature(this.mechanism, Buffer.from(c.serverKey, 'base64'), authMessage);
    return { ok: true, username, serverFinal: `v=${signature.toString('base64')}` };
  }
}
