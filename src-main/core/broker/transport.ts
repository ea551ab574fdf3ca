import type { ListenerConfig } from './types';

/** A byte stream to one client, whatever listener it came through. */
export interface Transport {
  readonly kind: ListenerConfig['kind'];
  readonly remoteAddress: string;
  /** CN of the verified client certificate when the listener maps it to the user name. */
  readonly certificateUsername: string | undefined;
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
