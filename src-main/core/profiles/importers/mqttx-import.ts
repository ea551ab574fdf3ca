import { bool, compact, isRecord, num, qos, str, urlHost, userPropertyPairs, type ForeignImport, type ImportCandidate } from './import-candidate';
import { materialFromContentOrPath } from './pem-material';

// MQTTX (emqx/MQTTX) exports one ConnectionModel, or an array of them, as JSON.
// Times there are in seconds (keepalive, connectTimeout) and milliseconds (reconnectPeriod).

const FOLDER = 'MQTTX';
const SCHEMES = new Set(['mqtt', 'mqtts', 'ws', 'wss']);

/** Whether parsed JSON looks like an MQTTX connection export. */
export function looksLikeMqttx(json: unknown): boolean {
  const first = Array.isArray(json) ? json[0] : json;
  return isRecord(first) && typeof first.host === 'string' && ('mqttVersion' in first || 'ssl' in first || 'clientIdWithTime' in first || 'certType' in first);
}

/** Maps every field MQTTX keeps onto Topiary's connect options. */
export async function importMqttx(json: unknown): Promise<ForeignImport> {
  const items = Array.isArray(json) ? json : [json];
  const candidates: ImportCandidate[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const [i, item] of items.entries()) {
    if (!isRecord(item) || typeof item.host !== 'string' || item.host.trim() === '') {
      skipped.push({ name: isRecord(item) ? (str(item.name) ?? `entry ${i + 1}`) : `entry ${i + 1}`, reason: 'It has no broker host.' });
      continue;
    }
    candidates.push(await mapConnection(item));
  }
  return { candidates, skipped };
}

async function mapConnection(c: Record<string, unknown>): Promise<ImportCandidate> {
  const warnings: string[] = [];
  const name = str(c.name)?.trim() || String(c.host);
  const ssl = bool(c.ssl) ?? false;
  let scheme = str(c.protocol)?.toLowerCase() ?? 'mqtt';
  if (!SCHEMES.has(scheme)) scheme = 'mqtt';
  if (ssl && scheme === 'mqtt') scheme = 'mqtts';
  if (ssl && scheme === 'ws') scheme = 'wss';
  const port = num(c.port);
  const isWs = scheme === 'ws' || scheme === 'wss';
  const rawPath = str(c.path) ?? '';
  const path = isWs ? (rawPath === '' ? '/mqtt' : rawPath.startsWith('/') ? rawPath : `/${rawPath}`) : '';
  const url = `${scheme}://${urlHost(String(c.host).trim())}${port !== undefined ? `:${port}` : ''}${path}`;

  const version = str(c.mqttVersion);
  const protocolVersion = version === '5.0' || version === '5' ? 5 : version === '3.1' ? 3 : version === '3.1.1' ? 4 : undefined;
  if (bool(c.clientIdWithTime)) warnings.push(`${name}: MQTTX appended a timestamp to the client id; Topiary uses the client id as written.`);

  const keepalive = num(c.keepalive);
  const connectTimeout = num(c.connectTimeout);
  const reconnectPeriod = num(c.reconnectPeriod);
  const reconnectEnabled = bool(c.reconnect);
  const reconnect =
    reconnectEnabled !== undefined || reconnectPeriod !== undefined
      ? compact({ enabled: reconnectEnabled, initialDelayMs: reconnectPeriod !== undefined ? Math.round(reconnectPeriod) : undefined })
      : undefined;

  const tls = scheme === 'mqtts' || scheme === 'wss' ? await mapTls(c, name, warnings) : undefined;
  const props = isRecord(c.properties) ? c.properties : undefined;
  if (props && (props.authenticationMethod !== undefined || props.authenticationData !== undefined)) {
    warnings.push(`${name}: MQTT 5 enhanced authentication (authenticationMethod) is not supported by Topiary and was left out.`);
  }
  const properties = props
    ? compact({
        receiveMaximum: num(props.receiveMaximum),
        maximumPacketSize: num(props.maximumPacketSize),
        topicAliasMaximum: num(props.topicAliasMaximum),
        requestResponseInformation: bool(props.requestResponseInformation),
        requestProblemInformation: bool(props.requestProblemInformation),
        userProperties: userPropertyPairs(props.userProperties),
      })
    : undefined;

  const options = compact({
    url,
    clientId: str(c.clientId) || undefined,
    username: str(c.username) || undefined,
    password: str(c.password) || undefined,
    protocolVersion,
    clean: bool(c.clean),
    sessionExpiryInterval: props ? num(props.sessionExpiryInterval) : undefined,
    keepalive: keepalive !== undefined ? Math.round(keepalive) : undefined,
    connectTimeoutMs: connectTimeout !== undefined ? Math.round(connectTimeout * 1000) : undefined,
    reconnect,
    will: mapWill(c.will),
    properties: properties && Object.keys(properties).length > 0 ? properties : undefined,
    tls,
    subscriptions: mapSubscriptions(c.subscriptions),
  });
  return { name, folder: FOLDER, options, warnings };
}

async function mapTls(c: Record<string, unknown>, name: string, warnings: string[]): Promise<Record<string, unknown>> {
  const certType = str(c.certType) ?? '';
  const ca = str(c.ca) ? await materialFromContentOrPath(String(c.ca), 'CERTIFICATE', name, 'CA certificate', warnings) : undefined;
  const cert = str(c.cert) ? await materialFromContentOrPath(String(c.cert), 'CERTIFICATE', name, 'client certificate', warnings) : undefined;
  const key = str(c.key) ? await materialFromContentOrPath(String(c.key), 'PRIVATE KEY', name, 'client key', warnings) : undefined;
  // certType 'server' means "a CA-signed server": the OS trust store; 'self' means the files given.
  return compact({
    ca: certType !== 'server' && ca ? [ca] : undefined,
    systemCa: certType === 'server' ? true : undefined,
    cert: certType !== 'server' ? cert : undefined,
    key: certType !== 'server' ? key : undefined,
    rejectUnauthorized: bool(c.rejectUnauthorized),
  });
}

function mapWill(value: unknown): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const topic = str(value.lastWillTopic)?.trim();
  if (!topic) return undefined;
  const p = isRecord(value.properties) ? value.properties : undefined;
  const properties = p
    ? compact({
        willDelayInterval: num(p.willDelayInterval),
        messageExpiryInterval: num(p.messageExpiryInterval),
        contentType: str(p.contentType) || undefined,
        payloadFormatIndicator: bool(p.payloadFormatIndicator),
        responseTopic: str(p.responseTopic) || undefined,
        correlationData: typeof p.correlationData === 'string' && p.correlationData !== '' ? new Uint8Array(Buffer.from(p.correlationData, 'utf8')) : undefined,
        userProperties: userPropertyPairs(p.userProperties),
      })
    : undefined;
  return compact({
    topic,
    payload: str(value.lastWillPayload) ?? '',
    qos: qos(value.lastWillQos),
    retain: bool(value.lastWillRetain),
    properties: properties && Object.keys(properties).length > 0 ? properties : undefined,
  });
}

function mapSubscriptions(value: unknown): Record<string, unknown>[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const subs = value
    .filter(isRecord)
    .filter((s) => typeof s.topic === 'string' && s.topic !== '')
    .map((s) =>
      compact({
        filter: String(s.topic),
        qos: qos(s.qos),
        noLocal: bool(s.nl),
        retainAsPublished: bool(s.rap),
        retainHandling: qos(s.rh),
      }),
    );
  return subs.length > 0 ? subs : undefined;
}
