/**
 * The inspected topic's counters and flags. Its latest message changes with every arrival, so it lives outside the
 * store (live-message.ts) and only its version is here; the stream is applied once per animation frame.
 */
export interface InspectorState {
  /**
   * The held message's (live-message.ts) number: 0 while none is held, otherwise moved (never to a number used
   * before) each time a newer one replaces it. So "nothing held" reads the same before and after a new topic's reset,
   * and a view of it does not re-render for the reset.
   */
  readonly messageVersion: number;
  /** Messages seen on the topic so far. */
  readonly count: number;
  /** The core answered with the topic's detail (until then a missing message is not worth a note). */
  readonly loaded: boolean;
  /** Whose counters these are: for one render after a click they still belong to the topic (or connection) before. */
  readonly of: { readonly connectionId: string; readonly topic: string } | null;
}

export const initialInspectorState: InspectorState = { messageVersion: 0, count: 0, loaded: false, of: null };
