import type { EventName, Events } from '../../../shared/ipc/contract';
import type { Wire } from '../../../shared/ipc/wire';

/** Delivers the core's events to every attached wire, or to one client's. */
export class EventHub {
  private readonly wires = new Map<string, Wire>();

  attach(clientId: string, wire: Wire): () => void {
    this.wires.set(clientId, wire);
    return () => {
      if (this.wires.get(clientId) === wire) this.wires.delete(clientId);
    };
  }

  emit<E extends EventName>(name: E, payload: Events[E]): void {
    for (const wire of this.wires.values()) wire.send({ kind: 'event', name, payload });
  }

  emitTo<E extends EventName>(clientId: string, name: E, payload: Events[E]): void {
    this.wires.get(clientId)?.send({ kind: 'event', name, payload });
  }

  get clientCount(): number {
    return this.wires.size;
  }
}
