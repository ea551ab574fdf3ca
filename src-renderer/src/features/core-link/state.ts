import type { CoreLinkState as LinkState } from './core-link';

/** Whether the window talks to a live core (the wire in core-link.ts says; this slice mirrors it for the UI). */
export interface CoreLinkState {
  readonly link: LinkState;
}

export const initialCoreLinkState: CoreLinkState = { link: { kind: 'live' } };
