import { bool, compact, isRecord, num, qos, str, urlHost, type ForeignImport, type ImportCandidate } from './import-candidate';
import { pemFromBytes } from './pem-material';

// MQTT Explorer (thomasnordquist/MQTT-Explorer) keeps its connections in settings.json under
// "ConnectionManager_connections": { [id]: ConnectionOptions }; certificates are {name, data: base64}.

const FOLDER = 'MQTT Explorer';
const SETTINGS_KEY = 'ConnectionManager_connections';

function looksLikeConnection(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && typeof value.host === 'string' && ('encryption' in value || 'certValidation' in value || 'basePath' in value || value.type === 'mqtt');
}

/** The connection objects in a settings file, a bare id→connection map, a list, or one connection. */
function connectionsIn(json: unknown): unknown[] | undefined {
  if (isRecord(json) && isRecord(json[SETTINGS_KEY])) return Object.values(json[SETTINGS_KEY]);
  if (Array.isArray(json) && json.some(looksLikeConnection)) return json;
  if (looksLikeConnection(json)) return [json];
  if (isRecord(json) && Object.values(json).some(looksLikeConnection)) return Object.values(json);
  return undefined;
}

/** Whether parsed JSON looks like MQTT Explorer's settings (or its connections). */
export function looksLikeMqttExplorer(json: unknown): boolean {
  return connectionsIn(json) !== undefined;
}

/** Maps every field MQTT Explorer keeps onto Topiary's connect options. */
export function importMqttExplorer(json: unknown): ForeignImport {
  const items = (connectionsIn(json) ?? []).filter(isRecord);
  const ordered = [...items].sort((a, b) => (num(a.order) ?? 0) - (num(b.order) ?? 0));
  const candidates: ImportCandidate[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const item of ordered) {
    const name = str(item.name)?.trim() || str(item.host) || String(item.id ?? 'connection');
    if (item.type !== undefined && item.type !== 'mqtt') {
      skipped.push({ name, reason: `Its type "${String(item.type)}" is not an MQTT connection.` });
      continue;
    }
    if (typeof item.host !== 'string' || item.host.trim() === '') {
      skipped.push({ name, reason: 'It has no broker host.' });
      continue;
    }
    candidates.push(mapConnection(item, name));
  }
  return { candidates, skipped };
}

function mapConnection(c: Record<string, unknown>, name: string): ImportCandidate {
  const warnings: string[] = [];
  const encryption = bool(c.encryption) ?? false;
  const isWs = str(c.protocol) === 'ws';
  const scheme = isWs ? (encryption ? 'wss' : 'ws') : encryption ? 'mqtts' : 'mqtt';
  const port = num(c.port);
  const basePath = (str(c.basePath) ?? '').replace(/^\/+/, '');
  const path = isWs ? `/${basePath === '' ? 'mqtt' : basePath}` : '';
  const url = `${scheme}://${urlHost(String(c.host).trim())}${port !== undefined ? `:${port}` : ''}${path}`;

  const material = (value: unknown, label: 'CERTIFICATE' | 'PRIVATE KEY', what: string): string | undefined => {
    if (!isRecord(value) || typeof value.data !== 'string' || value.data === '') return undefined;
    try {
      return pemFromBytes(Buffer.from(value.data, 'base64'), label);
    } catch {
      warnings.push(`${name}: the ${what} (${str(value.name) ?? 'unnamed'}) could not be decoded and was left out.`);
      return undefined;
    }
  };
  const ca = material(c.selfSignedCertificate, 'CERTIFICATE', 'server CA certificate');
  const cert = material(c.clientCertificate, 'CERTIFICATE', 'client certificate');
  const key = material(c.clientKey, 'PRIVATE KEY', 'client key');
  const certValidation = bool(c.certValidation);
  const tls = encryption
    ? compact({ ca: ca ? [ca] : undefined, cert, key, rejectUnauthorized: certValidation })
    : undefined;
  if (!encryption && (ca || cert || key)) warnings.push(`${name}: certificates were stored but encryption was off, so they were not imported.`);

  const subscriptions = Array.isArray(c.subscriptions)
    ? c.subscriptions
        .filter(isRecord)
        .filter((s) => typeof s.topic === 'string' && s.topic !== '')
        .map((s) => compact({ filter: String(s.topic), qos: qos(s.qos) }))
    : [];

  const options = compact({
    url,
    clientId: str(c.clientId) || undefined,
    username: str(c.username) || undefined,
    password: str(c.password) || undefined,
    // MQTT Explorer always speaks MQTT 3.1.1.
    protocolVersion: 4,
    tls,
    subscriptions: subscriptions.length > 0 ? subscriptions : undefined,
  });
  return { name, folder: FOLDER, options, warnings };
}
