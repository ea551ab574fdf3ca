/**
 * What a peer that has not sent CONNECT yet may cost us. Unknown peers are the cheapest attack on a broker, so each
 * gets a small buffer, a deadline counted from accept (trickling bytes does not extend it) and a slot under the
 * connection limit like any client.
 */

/** Largest packet read before CONNECT: room for a will of 65,535 bytes plus names, password and properties. */
export const PRE_CONNECT_MAX_PACKET = 128 * 1024;
/** Seconds from accept to a complete CONNECT, unless `limits.connectTimeout` says otherwise. */
export const DEFAULT_CONNECT_TIMEOUT_S = 10;
/** Sockets over the connection limit are kept only to read their CONNECT and answer "quota exceeded"; at most this many. */
export const REFUSAL_SLOTS = 16;

/** What to do with a newly accepted socket. */
export type Admission = 'admit' | 'refuse-at-connect' | 'drop';

/** Sockets count against `maxConnections` from accept, whether or not they ever send CONNECT. */
export function admitSocket(openSockets: number, refusing: number, maxConnections: number | undefined): Admission {
  if (maxConnections === undefined || openSockets < maxConnections) return 'admit';
  return refusing < REFUSAL_SLOTS ? 'refuse-at-connect' : 'drop';
}

/** True once a socket accepted at `acceptedAt` has had its time to send CONNECT. */
export function connectDeadlinePassed(acceptedAt: number, now: number, connectTimeoutS: number | undefined): boolean {
  return now - acceptedAt > (connectTimeoutS ?? DEFAULT_CONNECT_TIMEOUT_S) * 1000;
}

/**
 * A copy of a small socket read kept across reads. A read's Buffer may be a view of a much larger allocation, and a
 * peer sending one byte at a time would otherwise make us keep one such allocation per byte.
 */
export function retainable(chunk: Buffer): Buffer {
  return chunk.length < 4096 ? Buffer.from(chunk) : chunk;
}
