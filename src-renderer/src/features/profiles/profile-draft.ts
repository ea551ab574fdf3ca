import type { AuthMethodName, ConnectArgs } from '../../../../shared/ipc/connections';
import type { ProfileOptions, ProfileView } from '../../../../shared/ipc/profiles';

/** What the editor form holds: text as typed, turned into connect options only on save. */
export interface ProfileDraft {
  readonly id?: ProfileView['id'];
  readonly name: string;
  readonly folder: string;
  readonly url: string;
  /** Failover brokers, one per line. */
  readonly urls: string;
  readonly protocolVersion: '3' | '4' | '5';
  readonly clientId: string;
  readonly username: string;
  /** Empty keeps the stored password. */
  readonly password: string;
  /** '' sends the password in CONNECT; a SCRAM mechanism proves it in MQTT 5 AUTH packets instead. */
  readonly authMethod: '' | AuthMethodName;
  readonly clean: boolean;
  readonly keepalive: string;
  readonly connectTimeoutSeconds: string;
  readonly sessionExpiryInterval: string;
  readonly reconnectEnabled: boolean;
  readonly reconnectInitialMs: string;
  readonly reconnectMaxMs: string;
  readonly reconnectMaxAttempts: string;
  /** One subscription per line: "filter [qos]". */
  readonly subscriptions: string;
  readonly tlsCa: string;
  /** Trusted CAs from the certificate store, by entry id. */
  readonly tlsCaIds: readonly string[];
  /** A client identity (certificate + sealed key) from the certificate store. */
  readonly tlsIdentityId: string;
  readonly tlsSystemCa: boolean;
  readonly tlsRejectUnauthorized: boolean;
  readonly tlsServername: string;
  readonly tlsCert: string;
  /** Empty keeps the stored key. */
  readonly tlsKey: string;
  readonly tlsKeyPassphrase: string;
  readonly tlsPkcs12: Uint8Array<ArrayBuffer> | null;
  readonly tlsPkcs12Name: string;
  readonly tlsPkcs12Password: string;
  /** mqtts-dtls:// only: prove the broker with certificates, or with a pre-shared key both sides hold. */
  readonly tlsAuth: 'certificate' | 'psk';
  readonly tlsPskIdentity: string;
  /** Hex; empty keeps the stored key. */
  readonly tlsPsk: string;
  readonly willTopic: string;
  readonly willPayload: string;
  readonly willQos: '0' | '1' | '2';
  readonly willRetain: boolean;
  readonly receiveMaximum: string;
  readonly maximumPacketSize: string;
  readonly topicAliasMaximum: string;
  readonly requestResponseInformation: boolean;
  readonly requestProblemInformation: boolean;
  /** One per line: "name=value". */
  readonly userProperties: string;
  /** Stored secrets the user asked to forget. */
  readonly clearSecrets: readonly string[];
}

export const EMPTY_DRAFT: ProfileDraft = {
  name: '',
  folder: '',
  url: 'mqtt://127.0.0.1:1883',
  urls: '',
  protocolVersion: '5',
  clientId: '',
  username: '',
  password: '',
  authMethod: '',
  clean: true,
  keepalive: '60',
  connectTimeoutSeconds: '10',
  sessionExpiryInterval: '',
  reconnectEnabled: true,
  reconnectInitialMs: '1000',
  reconnectMaxMs: '30000',
  reconnectMaxAttempts: '0',
  subscriptions: '# 2',
  tlsCa: '',
  tlsCaIds: [],
  tlsIdentityId: '',
  tlsSystemCa: false,
  tlsRejectUnauthorized: true,
  tlsServername: '',
  tlsCert: '',
  tlsKey: '',
  tlsKeyPassphrase: '',
  tlsPkcs12: null,
  tlsPkcs12Name: '',
  tlsPkcs12Password: '',
  tlsAuth: 'certificate',
  tlsPskIdentity: '',
  tlsPsk: '',
  willTopic: '',
  willPayload: '',
  willQos: '0',
  willRetain: false,
  receiveMaximum: '',
  maximumPacketSize: '',
  topicAliasMaximum: '',
  requestResponseInformation: false,
  requestProblemInformation: true,
  userProperties: '',
  clearSecrets: [],
};

const text = (n: number | undefined): string => (n === undefined ? '' : String(n));

/** The form's view of a saved profile (secret fields start empty: the core never sends them). */
export function draftFromProfile(profile: ProfileView): ProfileDraft {
  const o = profile.options;
  const tls = o.tls;
  const will = o.will;
  return {
    ...EMPTY_DRAFT,
    id: profile.id,
    name: profile.name,
    folder: profile.folder,
    url: o.url,
    urls: (o.urls ?? []).join('\n'),
    protocolVersion: String(o.protocolVersion ?? 5) as ProfileDraft['protocolVersion'],
    clientId: o.clientId ?? '',
    username: o.username ?? '',
    authMethod: o.authMethod ?? '',
    clean: o.clean ?? true,
    keepalive: text(o.keepalive ?? 60),
    connectTimeoutSeconds: text((o.connectTimeoutMs ?? 10_000) / 1000),
    sessionExpiryInterval: text(o.sessionExpiryInterval),
    reconnectEnabled: o.reconnect?.enabled ?? true,
    reconnectInitialMs: text(o.reconnect?.initialDelayMs ?? 1000),
    reconnectMaxMs: text(o.reconnect?.maxDelayMs ?? 30_000),
    reconnectMaxAttempts: text(o.reconnect?.maxAttempts ?? 0),
    subscriptions: o.subscriptions === undefined ? EMPTY_DRAFT.subscriptions : o.subscriptions.map((s) => `${s.filter} ${String(s.qos ?? 0)}`).join('\n'),
    tlsCa: (tls?.ca ?? []).join('\n'),
    tlsCaIds: tls?.caIds ?? [],
    tlsIdentityId: tls?.identityId ?? '',
    tlsSystemCa: tls?.systemCa ?? false,
    tlsRejectUnauthorized: tls?.rejectUnauthorized ?? true,
    tlsServername: tls?.servername ?? '',
    tlsCert: tls?.cert ?? '',
    tlsAuth: tls?.pskIdentity !== undefined ? 'psk' : 'certificate',
    tlsPskIdentity: tls?.pskIdentity ?? '',
    willTopic: will?.topic ?? '',
    willPayload: typeof will?.payload === 'string' ? will.payload : '',
    willQos: String(will?.qos ?? 0) as ProfileDraft['willQos'],
    willRetain: will?.retain ?? false,
    receiveMaximum: text(o.properties?.receiveMaximum),
    maximumPacketSize: text(o.properties?.maximumPacketSize),
    topicAliasMaximum: text(o.properties?.topicAliasMaximum),
    requestResponseInformation: o.properties?.requestResponseInformation ?? false,
    requestProblemInformation: o.properties?.requestProblemInformation ?? true,
    userProperties: (o.properties?.userProperties ?? []).map(([k, v]) => `${k}=${v}`).join('\n'),
  };
}

function numberOrUndefined(value: string): number | undefined {
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  // NaN reaches the core's schema, which names the field in its error.
  return Number(trimmed);
}

function lines(value: string): string[] {
  return value
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/** Splits a PEM bundle into certificates so each is one entry of the CA list. */
function pemBlocks(value: string): string[] {
  const blocks = value.match(/-----BEGIN [^-]+-----[\s\S]*?-----END [^-]+-----/g);
  return blocks ? blocks.map((b) => `${b}\n`) : lines(value).length > 0 ? [value] : [];
}

function omitUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Whether the draft signs in to a DTLS broker with a pre-shared key instead of certificates. */
export function usesPsk(d: ProfileDraft): boolean {
  return d.tlsAuth === 'psk' && d.url.trim().toLowerCase().startsWith('mqtts-dtls://');
}

/** What is wrong with a typed pre-shared key, in a sentence; undefined when it is fine (or empty: the stored one stays). */
export function pskKeyProblem(hex: string): string | undefined {
  const key = hex.trim();
  if (key === '' || /^(?:[0-9a-fA-F]{2}){1,64}$/.test(key)) return undefined;
  if (/[^0-9a-fA-F]/.test(key)) return 'A pre-shared key is written in hex: only the digits 0–9 and the letters a–f.';
  if (key.length % 2 === 1) return `A pre-shared key is whole bytes, two hex digits each: this one has ${String(key.length)} digits.`;
  return `A pre-shared key is 1–64 bytes (2–128 hex digits): this one has ${String(key.length / 2)} bytes.`;
}

/** The connect options the draft describes; empty secret fields are left out so stored ones are kept. */
export function optionsFromDraft(d: ProfileDraft): ProfileOptions {
  const scheme = d.url.trim().split('://')[0]?.toLowerCase();
  const secure = scheme === 'mqtts' || scheme === 'wss' || scheme === 'mqtts-dtls';
  const ca = pemBlocks(d.tlsCa);
  // A PSK handshake proves the broker by the shared key: no certificate material goes with it.
  const tls: ConnectArgs['tls'] = usesPsk(d)
    ? omitUndefined({ rejectUnauthorized: true, pskIdentity: d.tlsPskIdentity.trim() || undefined, psk: d.tlsPsk.trim() || undefined })
    : secure
    ? omitUndefined({
        ca: ca.length > 0 ? ca : undefined,
        caIds: d.tlsCaIds.length > 0 ? [...d.tlsCaIds] : undefined,
        identityId: d.tlsIdentityId || undefined,
        systemCa: d.tlsSystemCa || undefined,
        rejectUnauthorized: d.tlsRejectUnauthorized,
        servername: d.tlsServername.trim() || undefined,
        cert: d.tlsCert.trim() ? d.tlsCert : undefined,
        key: d.tlsKey.trim() ? d.tlsKey : undefined,
        keyPassphrase: d.tlsKeyPassphrase || undefined,
        pkcs12: d.tlsPkcs12 ?? undefined,
        pkcs12Password: d.tlsPkcs12Password || undefined,
      })
    : undefined;
  const subscriptions = lines(d.subscriptions).map((line) => {
    const [filter = '', qos] = line.split(/\s+/);
    return { filter, qos: qos === undefined ? 0 : Number(qos) };
  });
  const userProperties = lines(d.userProperties).map((line): [string, string] => {
    const at = line.indexOf('=');
    return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
  });
  const properties = omitUndefined({
    receiveMaximum: numberOrUndefined(d.receiveMaximum),
    maximumPacketSize: numberOrUndefined(d.maximumPacketSize),
    topicAliasMaximum: numberOrUndefined(d.topicAliasMaximum),
    requestResponseInformation: d.requestResponseInformation || undefined,
    requestProblemInformation: d.requestProblemInformation ? undefined : false,
    userProperties: userProperties.length > 0 ? userProperties : undefined,
  });
  const timeout = numberOrUndefined(d.connectTimeoutSeconds);
  return omitUndefined({
    url: d.url.trim(),
    urls: lines(d.urls).length > 0 ? lines(d.urls) : undefined,
    clientId: d.clientId.trim() || undefined,
    username: d.username || undefined,
    password: d.password || undefined,
    authMethod: d.authMethod || undefined,
    protocolVersion: Number(d.protocolVersion) as 3 | 4 | 5,
    clean: d.clean,
    sessionExpiryInterval: numberOrUndefined(d.sessionExpiryInterval),
    keepalive: numberOrUndefined(d.keepalive),
    connectTimeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
    reconnect: omitUndefined({
      enabled: d.reconnectEnabled,
      initialDelayMs: numberOrUndefined(d.reconnectInitialMs),
      maxDelayMs: numberOrUndefined(d.reconnectMaxMs),
      maxAttempts: numberOrUndefined(d.reconnectMaxAttempts),
    }),
    will: d.willTopic.trim() ? { topic: d.willTopic.trim(), payload: d.willPayload, qos: Number(d.willQos), retain: d.willRetain } : undefined,
    properties: Object.keys(properties).length > 0 ? properties : undefined,
    tls,
    // Empty means "the default" (everything, '#'), the same as a profile that never set any.
    subscriptions: subscriptions.length > 0 ? subscriptions : undefined,
  });
}
