/**
 * The contract between the window (or a script) and the core: every request and event, one group per domain.
 *
 * Naming convention; every name below follows it, and a new one must too:
 * - Requests are `domain.verb` or `domain.verbNoun`, verb first, in camelCase. The noun is left out when it is the
 *   domain's own item: `profiles.list`, `certificates.delete`, `broker.start`.
 * - Reads: `get…` answers one thing, `list…` answers many (an array, or a page with a total).
 * - Writes: `set…` replaces one value; `save…` stores an item the user edits and answers it as stored; `create…`,
 *   `generate…`, `issue…` and `import…` add new items and answer them.
 * - Deletes and clears (`delete…`, `clear…`) answer `Deleted`: `{ deleted: n }`, how many things went. The new state
 *   arrives as the domain's `…Changed` event, so a window that did not ask sees it too.
 * - Exports (`export…`) answer a file the user can save: `ExportedText` or `ExportedBytes` (`fileName`, `mediaType`,
 *   and `text` or `bytes`), plus facts particular to that export. An export too large to hold in memory runs as a job:
 *   it answers `{ jobId }` and reports progress through an `…Progressed` event.
 * - Events say what happened, in the past tense: `domain.changed`, `domain.nounChanged`, `domain.messagesReceived`,
 *   `domain.jobProgressed`.
 * - Failures are `TopiaryError`s with a code from `errors.ts`; a lost core is `CORE_UNREACHABLE`, never a broker's code.
 */
import type { ArgOf, ParsedArgOf, ResultOf } from './define';
import { brokerRequests, type BrokerEvents } from './broker';
import { certificatesRequests, type CertificatesEvents } from './certificates';
import { connectionsRequests, type ConnectionsEvents } from './connections';
import { decodersRequests, type DecodersEvents } from './decoders';
import { explorerRequests, type ExplorerEvents } from './explorer';
import { historyRequests, type HistoryEvents } from './history';
import { publishRequests, type PublishEvents } from './publish';
import { profilesRequests, type ProfilesEvents } from './profiles';
import { respondersRequests, type RespondersEvents } from './responders';
import { simulationsRequests, type SimulationsEvents } from './simulations';

/** Every request the core answers, with the schema its argument must pass. */
export const requests = {
  ...connectionsRequests,
  ...brokerRequests,
  ...explorerRequests,
  ...publishRequests,
  ...profilesRequests,
  ...certificatesRequests,
  ...historyRequests,
  ...simulationsRequests,
  ...decodersRequests,
  ...respondersRequests,
} as const;

export type Requests = typeof requests;
export type Method = keyof Requests;

/** Every event the core pushes. */
export interface Events extends ConnectionsEvents, BrokerEvents, ExplorerEvents, ProfilesEvents, CertificatesEvents, PublishEvents, HistoryEvents, DecodersEvents, RespondersEvents, SimulationsEvents {}
export type EventName = keyof Events;

export type Arg<M extends Method> = ArgOf<Requests[M]>;
export type ParsedArg<M extends Method> = ParsedArgOf<Requests[M]>;
export type Result<M extends Method> = ResultOf<Requests[M]>;

/** Who is calling: which wire a request came over, for per-client state such as watches. */
export interface CallContext {
  readonly clientId: string;
}

/** The core's side of the contract: one handler per request; a missing one is a compile error. */
export type Handlers = {
  readonly [M in Method]: (arg: ParsedArg<M>, context: CallContext) => Promise<Result<M>> | Result<M>;
};

export function isMethod(name: string): name is Method {
  return Object.prototype.hasOwnProperty.call(requests, name);
}
