import type { ErrorData } from './errors';

/** What travels over any wire: requests and their answers one way, events the other. */
export type Frame =
  | { readonly kind: 'request'; readonly id: number; readonly method: string; readonly arg: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'failure'; readonly id: number; readonly error: ErrorData }
  | { readonly kind: 'event'; readonly name: string; readonly payload: unknown };

/**
 * The two-method protocol every transport implements (Electron IPC, WebSocket, in-memory),
 * so the client and the core never know which one carries them.
 */
export interface Wire {
  send(frame: Frame): void;
  onFrame(listener: (frame: Frame) => void): () => void;
  onClose(listener: () => void): () => void;
  close(): void;
}

/** A small listener list shared by the wire implementations. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(value: T): void {
    for (const listener of this.set) listener(value);
  }

  clear(): void {
    this.set.clear();
  }
}
