/**
 * The script API as a TypeScript declaration file, for the editor (Monaco's `addExtraLib`, with
 * diagnostic 1108 ignored since a script's top level is a function body and may `return`). Kept as
 * text here, not as a .d.ts in the project, so its globals never leak into the app's own types;
 * script-api-declarations.test.ts checks that it describes what the sandbox really offers.
 */
export const SCRIPT_API_FILE_NAME = 'topiary-script-api.d.ts';

export const SCRIPT_API_DECLARATIONS = `/** MQTT 5 properties of the message (absent ones are left out). */
interface TopiaryMessageProperties {
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: Uint8Array;
  readonly payloadFormatIndicator?: boolean;
  readonly messageExpiryInterval?: number;
  readonly userProperties?: { readonly [name: string]: string | readonly string[] };
}

/** The message the script is called with. */
interface TopiaryMessage {
  readonly topic: string;
  /** The payload's bytes. */
  readonly payload: Uint8Array;
  /** The payload read as UTF-8 (invalid bytes become U+FFFD). */
  readonly text: string;
  /** The payload parsed as JSON; throws "the payload is not JSON: …" otherwise. */
  json(): any;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly properties: TopiaryMessageProperties;
}

interface TopiaryPublishOptions {
  readonly qos?: 0 | 1 | 2;
  readonly retain?: boolean;
  readonly contentType?: string;
  readonly responseTopic?: string;
  readonly correlationData?: string | Uint8Array | ArrayBuffer;
  readonly userProperties?: { readonly [name: string]: string };
}

/** A small key-value store that survives between calls (JSON values; 64 KB in all by default). */
interface TopiaryState {
  /** A copy of the value: change it and set() it again to keep the change. */
  get(key: string): any;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  has(key: string): boolean;
  keys(): string[];
}

interface TopiaryLog {
  (...values: unknown[]): void;
  warn(...values: unknown[]): void;
  error(...values: unknown[]): void;
}

/** The message this call is for. */
declare const msg: TopiaryMessage;

/**
 * Publishes a message: a string is sent as UTF-8, bytes as they are, anything else as JSON.
 * Only to the topics the script was allowed, at most at its rate; otherwise it throws.
 * Sent only if the call succeeds.
 */
declare function publish(topic: string, payload?: string | Uint8Array | ArrayBuffer | object | number | boolean | null, options?: TopiaryPublishOptions): void;

/** Writes a line to the script's log (values other than strings as JSON). */
declare const log: TopiaryLog;

declare const state: TopiaryState;
`;
