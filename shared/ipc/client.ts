import type { Arg, EventName, Events, Method, Result } from './contract';
import { TopiaryError, isErrorData } from './errors';
import type { Frame, Wire } from './wire';

/** The typed way to talk to the core over any wire. */
export interface ContractClient {
  invoke<M extends Method>(method: M, arg: Arg<M>): Promise<Result<M>>;
  on<E extends EventName>(name: E, listener: (payload: Events[E]) => void): () => void;
  close(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: TopiaryError): void;
}

/** Wraps a wire in request/response bookkeeping; rejections are TopiaryErrors with the core's code. */
export function createClient(wire: Wire): ContractClient {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: never) => void>>();

  const failAll = (): void => {
    for (const p of pending.values()) {
      p.reject(new TopiaryError('CORE_UNREACHABLE', 'The window lost its link to the Topiary core; the request may not have reached it.'));
    }
    pending.clear();
  };

  const offFrame = wire.onFrame((frame: Frame) => {
    switch (frame.kind) {
      case 'response': {
        const p = pending.get(frame.id);
        pending.delete(frame.id);
        p?.resolve(frame.result);
        break;
      }
      case 'failure': {
        const p = pending.get(frame.id);
        pending.delete(frame.id);
        const e = isErrorData(frame.error) ? frame.error : { code: 'INTERNAL_ERROR' as const, message: 'Malformed error.' };
        p?.reject(new TopiaryError(e.code, e.message, e.details));
        break;
      }
      case 'event': {
        const set = listeners.get(frame.name);
        if (set) for (const l of set) (l as (payload: unknown) => void)(frame.payload);
        break;
      }
      case 'request':
        break;
    }
  });
  const offClose = wire.onClose(failAll);

  return {
    invoke(method, arg) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        wire.send({ kind: 'request', id, method, arg });
      });
    },
    on(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
    close() {
      offFrame();
      offClose();
      failAll();
      wire.close();
    },
  };
}
