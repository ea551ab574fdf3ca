import type { ListenerConfig } from './types';

/** A byte stream to one client, whatever listener it came through. */
export interface Transport {
  readonly kind: ListenerConfig['kind'];
  readonly remoteAddress: string;
  /** CN of the verified client certificate when the listener maps it to the user name. */
  readonly certificateUsername: string | undefined;
  /** The DTLS pre-shared key identity the session signed in with, so that removing the key can end the session. */
  readonly pskIdentity?: string;
  /** Writes a batch of packets at once. */
  write(chunks: readonly Buffer[], totalBytes: number): void;
  /** Bytes accepted but not yet handed to the OS. */
  bufferedBytes(): number;
  /** Ends the stream after pending writes. */
  end(): void;
  destroy(): void;
  onData(cb: (chunk: Buffer) => void): void;
  /** Stops reading from the peer (backpressure towards a fast publisher). */
  pause(): void;
  resume(): void;
  onClose(cb: () => void): void;
}
