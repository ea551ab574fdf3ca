import type { HistoryMessage } from '../../../../shared/ipc/history';

// The messages a search found, held outside the store (they may be thousands, with payloads); the store keeps a version.
let held: readonly HistoryMessage[] = [];

export function searchResults(): readonly HistoryMessage[] {
  return held;
}

export function replaceSearchResults(messages: readonly HistoryMessage[]): void {
  held = messages;
}

export function appendSearchResults(messages: readonly HistoryMessage[]): void {
  held = [...held, ...messages];
}

export function searchResultById(id: number | null): HistoryMessage | undefined {
  return id === null ? undefined : held.find((m) => m.id === id);
}
