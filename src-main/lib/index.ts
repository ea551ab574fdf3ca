/**
 * Topiary as a Node library: `connect()` to a broker on the app's own connection code, `createBroker()`
 * to run the app's embedded broker, `execute()` for the connector's capability calls, the history store, and
 * sandboxed scripts: `loadScript()`, auto-responders (`respond()`) and simulated devices (`simulate()`).
 */
import { TopiaryClient } from './client';
import type { ConnectOptions } from './connect-options';

/** Connects to a broker (or a saved profile) and resolves once it accepted; rejects with a classified TopiaryError. */
export function connect(options: ConnectOptions): Promise<TopiaryClient> {
  return TopiaryClient.open(options);
}

export { TopiaryClient } from './client';
export type {
  ClientEvents,
  ConnectedEvent,
  DisconnectedEvent,
  MessageProperties,
  MessageView,
  Payload,
  PublishAck,
  PublishOptions,
  PublishProperties,
  ReconnectingEvent,
  SubscribeAck,
  SubscribeOptions,
  UnsubscribeAck,
} from './client';
export type { BrokerStrategy, ConnectOptions, SubscriptionOption, WeightedBroker } from './connect-options';
export type { CallLimits } from './deadline';
export { scramAuthMethod, type AuthMethod, type AuthMethodSession } from '../core/connections/auth-method';
export { AUTH_METHODS, type AuthMethodName } from '../../shared/ipc/connections';
export { createBroker, EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded-broker';
export type { ServerRedirect } from '../../shared/ipc/connections';
export { TopiaryError, ERROR_CODES, type ErrorCode, type ErrorData } from '../../shared/ipc/errors';
export { CAPABILITIES, CapabilityError, Connector, createConnector, type Capability, type ConnectorEvents, type ConnectorOptions, type SeenTopic } from './connector';
export {
  defaultHistoryFile,
  openHistory,
  record,
  replay,
  TopiaryHistory,
  type CaptureRecordReport,
  type ExportFormat,
  type ExportProgress,
  type HistoryMessage,
  type HistoryOptions,
  type HistoryPage,
  type HistoryQueryInput,
  type HistoryStatus,
  type Recording,
  type RecordOptions,
  type Replay,
  type ReplayOptions,
  type ReplayProgress,
  type ReplayReport,
} from './history';
export { checkBroker, type CheckLine, type CheckReport } from './broker-check';
export {
  defaultScriptWorkerFile,
  listScenarios,
  loadScript,
  respond,
  SandboxedScript,
  simulate,
  type RespondOptions,
  type Responders,
  type ResponderCounters,
  type ResponderRule,
  type RunningSimulation,
  type SandboxOptions,
  type ScriptError,
  type ScriptInput,
  type ScriptLimits,
  type ScriptLogLine,
  type ScriptMessage,
  type ScriptOptions,
  type ScriptPublish,
  type ScriptResult,
  type SimulateOptions,
  type SimulationSource,
  type SimulationSpec,
  type SimulationStatus,
} from './scripts';
