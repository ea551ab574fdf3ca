import type { InspectedMessage } from '../../../../shared/ipc/explorer';

// The inspected topic's latest message, outside the store: the store holds inspector.messageVersion, which moves
// when this is replaced. Written by the inspector's actions only.
let latest: InspectedMessage | null = null;

/** The latest message of the inspected topic, as of the last applied frame. */
export function inspectedMessage(): InspectedMessage | null {
  return latest;
}

export function replaceInspectedMessage(message: InspectedMessage | null): void {
  latest = message;
}
