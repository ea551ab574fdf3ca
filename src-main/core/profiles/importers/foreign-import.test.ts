import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConnectArgsSchema } from '../../../../shared/ipc/connections';
import { readForeignProfiles } from './foreign-import';

const fixture = (name: string): Promise<string> => fs.readFile(join(__dirname, '../../../test-support/fixtures/importers', name), 'utf8');

describe('foreign profile import', () => {
  it('maps every field of an MQTTX TLS connection with will, MQTT 5 properties and subscriptions', async () => {
    const read = await readForeignProfiles(await fixture('mqttx-export.json'), 'auto');
    expect(read.format).toBe('mqttx');
    const factory = read.candidates.find((c) => c.name === 'Factory TLS');
    expect(factory?.folder).toBe('MQTTX');
    expect(factory?.options).toEqual({
      url: 'mqtts://broker.factory.example:8883',
      clientId: 'mqttx_factory_01',
      username: 'operator',
      password: 'mqttx-secret-pw',
      protocolVersion: 5,
      clean: false,
      sessionExpiryInterval: 300,
      keepalive: 45,
      connectTimeoutMs: 12_000,
      reconnect: { enabled: true, initialDelayMs: 4000 },
      will: {
        topic: 'factory/clients/mqttx_factory_01/state',
        payload: 'offline',
        qos: 1,
        retain: true,
        properties: {
          willDelayInterval: 5,
          messageExpiryInterval: 3600,
          contentType: 'text/plain',
          payloadFormatIndicator: true,
          responseTopic: 'factory/replies',
          correlationData: new Uint8Array(Buffer.from('corr-1')),
          userProperties: [['site', 'north']],
        },
      },
      properties: {
        receiveMaximum: 100,
        maximumPacketSize: 1048576,
        topicAliasMaximum: 10,
        requestResponseInformation: true,
        requestProblemInformation: false,
        userProperties: [
          ['team', 'ops'],
          ['tags', 'a'],
          ['tags', 'b'],
        ],
      },
      tls: {
        ca: ['-----BEGIN CERTIFICATE-----\nMIIBfixtureCAcertificateMQTTX\n-----END CERTIFICATE-----\n'],
        cert: '-----BEGIN CERTIFICATE-----\nMIIBfixtureClientCertificateMQTTX\n-----END CERTIFICATE-----\n',
        key: '-----BEGIN PRIVATE KEY-----\nMIIEfixtureClientKeyMQTTX\n-----END PRIVATE KEY-----\n',
        rejectUnauthorized: true,
      },
      subscriptions: [
        { filter: 'factory/+/status', qos: 1, noLocal: true, retainAsPublished: false, retainHandling: 2 },
        { filter: 'factory/alarms/#', qos: 2 },
      ],
    });
    expect(ConnectArgsSchema.safeParse(factory?.options).success).toBe(true);
  });

  it('maps MQTTX WebSocket paths, 3.1.1, disabled reconnect and an empty will, and warns about what it cannot carry', async () => {
    const read = await readForeignProfiles(await fixture('mqttx-export.json'), 'mqttx');
    const ws = read.candidates.find((c) => c.name === 'Dashboard over WebSocket');
    expect(ws?.options).toEqual({
      url: 'ws://ws.example.org:8083/mqtt-ws',
      clientId: 'mqttx_ws_02',
      protocolVersion: 4,
      clean: true,
      sessionExpiryInterval: 0,
      keepalive: 60,
      connectTimeoutMs: 10_000,
      reconnect: { enabled: false, initialDelayMs: 4000 },
    });
    expect(ws?.warnings.join(' ')).toContain('timestamp');

    const cloud = read.candidates.find((c) => c.name === 'Cloud with CA files');
    expect(cloud?.options.url).toBe('mqtts://cloud.example.net:8883');
    expect(cloud?.options.tls).toEqual({ rejectUnauthorized: false });
    expect(cloud?.warnings).toContain('Cloud with CA files: the CA certificate file /nonexistent/mqttx/certs/ca.crt could not be read on this machine; add it to the profile by hand.');
    expect(cloud?.warnings.join(' ')).toContain('authenticationMethod');
    expect(read.skipped).toEqual([{ name: 'No host at all', reason: 'It has no broker host.' }]);
  });

  it('reads CA files that an MQTTX export names by path', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'topiary-import-ca-'));
    try {
      const caFile = join(dir, 'ca.crt');
      await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', caFile, '-days', '2', '-subj', '/CN=From File'], { cwd: dir });
      const caPem = await fs.readFile(caFile, 'utf8');
      const text = JSON.stringify({ name: 'path', host: 'h', port: 8883, protocol: 'mqtts', ssl: true, certType: 'self', ca: caFile, mqttVersion: '5.0' });
      const read = await readForeignProfiles(text, 'auto');
      expect(read.candidates[0]?.options.tls).toEqual({ ca: [caPem] });
      expect(read.candidates[0]?.warnings).toEqual([`path: read the CA certificate from ${caFile}.`]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('maps MQTT Explorer settings: encryption, certificates from base64, validation, ws base path and order', async () => {
    const read = await readForeignProfiles(await fixture('mqtt-explorer-settings.json'), 'auto');
    expect(read.format).toBe('mqtt-explorer');
    expect(read.candidates.map((c) => c.name)).toEqual(['test.mosquitto.org', 'Secure plant', 'Lab over WSS']);
    const [plain, secure, ws] = read.candidates;
    expect(plain?.options).toEqual({
      url: 'mqtt://test.mosquitto.org:1883',
      clientId: 'mqtt-explorer-5e6f7a8b',
      protocolVersion: 4,
      subscriptions: [{ filter: '#', qos: 0 }],
    });
    expect(secure?.options).toEqual({
      url: 'mqtts://plant.example.com:8883',
      clientId: 'mqtt-explorer-1a2b3c4d',
      username: 'plant-admin',
      password: 'explorer-secret-pw',
      protocolVersion: 4,
      tls: {
        ca: ['-----BEGIN CERTIFICATE-----\nMIIBfixtureSelfSignedCAExplorer\n-----END CERTIFICATE-----\n'],
        cert: '-----BEGIN CERTIFICATE-----\nMIIBfixtureClientCertExplorer\n-----END CERTIFICATE-----\n',
        key: '-----BEGIN RSA PRIVATE KEY-----\nMIIEfixtureClientKeyExplorer\n-----END RSA PRIVATE KEY-----\n',
        rejectUnauthorized: true,
      },
      subscriptions: [
        { filter: '#', qos: 0 },
        { filter: '$SYS/#', qos: 1 },
      ],
    });
    expect(ws?.options).toEqual({ url: 'wss://lab.example.com:443/ws/mqtt', protocolVersion: 4, tls: { rejectUnauthorized: false } });
    for (const c of read.candidates) expect(ConnectArgsSchema.safeParse(c.options).success).toBe(true);
  });

  it('refuses a file that is neither format, or not JSON, with a sentence saying what to choose', async () => {
    await expect(readForeignProfiles('{"hello": 1}', 'auto')).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('settings.json') });
    await expect(readForeignProfiles('not json', 'auto')).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringContaining('not valid JSON') });
  });
});
