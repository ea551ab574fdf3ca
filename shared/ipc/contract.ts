import type { ArgOf, ParsedArgOf, ResultOf } from './define';
import { brokerRequests, type BrokerEvents } from './broker';
import { certificatesRequests, type CertificatesEvents } from './certificates';
import { connectionsRequests, type ConnectionsEvents } from './connections';
import { explorerRequests, type ExplorerEvents } from './explorer';
import { historyRequests, type HistoryEvents } from './history';
import { publishRequests, type PublishEvents } from './publish';
import { profilesRequests, type ProfilesEvents } from './profiles';

/** Every request the core answers, with the schema its argument must pass. */
export const requests = {
  ...connectionsRequests,
  ...brokerRequests,
  ...explorerRequests,
  ...publishRequests,
  ...profilesRequests,
  ...certificatesRequests,
  ...historyRequests,
} as const;

export type Requests = typeof requests;
export type Method = keyof Requests;

/** Every event the core pushes. */
export interface Events extends ConnectionsEvents, BrokerEvents, ExplorerEvents, ProfilesEvents, CertificatesEvents, PublishEvents, HistoryEvents {}
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
