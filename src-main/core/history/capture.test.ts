import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageFromPacket } from '../connections/message-from-packet';
import { historyWorkerFile } from '../../test-support/worker-file';
import { startMosquitto, type Mosquitto } from '../../test-support/mosquitto';
import { waitFor } from '../../test-support/wait-for';
import { CaptureRecorder, readCapture, type CaptureMessage } from './capture';
import { replayCapture } from './capture-replay';
import { HistoryService } from './history-service';

let dir: string;
let broker: Mosquitto;
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'topiary-capture-'));
  broker = await startMosquitto();
});
afterAll(async () => {
  for (const c of clients) await c.endAsync();
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
});

async function client(): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

function captureText(lines: readonly object[], header: object = { topiaryCapture: 1, startedAt: 1_767_225_600_000 }): string {
  return [header, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n';
}

const line = (t: number, topic: string, payload: string, extra: object = {}): object => ({ t, topic, payloadEncoding: 'utf8', payload, qos: 0, retain: false, ...extra });

describe('captures', () => {
  it('round-trips bytes and MQTT 5 properties: live → capture → store → replay → an outside subscriber', async () => {
    const file = path.join(dir, 'round-trip.ndjson');
    const recorder = new CaptureRecorder({ file, filters: ['rt/#'], count: 3, source: broker.url });
    const live = await client();
    live.on('message', (_topic, _payload, packet: IPublishPacket) => recorder.offer(messageFromPacket(packet, Date.now())));
    await live.subscribeAsync('rt/#', { qos: 1 });
    const publisher = await client();
    const binary = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0xc3]);
    await publisher.publishAsync('rt/text', 'héllo wörld', { qos: 1, properties: { userProperties: { site: ['a', 'b'] }, contentType: 'text/plain', correlationData: Buffer.from([1, 2, 3]), responseTopic: 'rt/reply', messageExpiryInterval: 3600, payloadFormatIndicator: true } });
    await publisher.publishAsync('rt/binary', binary, { qos: 1 });
    await publisher.publishAsync('rt/empty', Buffer.alloc(0), { qos: 0 });
    const recorded = await recorder.done;
    expect(recorded.messages).toBe(3);

    // Import into the store and find it there, byte for byte.
    const store = new HistoryService({ file: path.join(dir, 'store', 'history.db'), workerFile: await historyWorkerFile() });
    try {
      const imported = await store.importCapture(file, { sourceKey: 'capture:rt' });
      expect(imported).toEqual({ imported: 3, skipped: [] });
      const page = await store.query({ filters: ['rt/#'], order: 'oldest' });
      expect(page.messages.map((m) => m.topic)).toEqual(['rt/text', 'rt/binary', 'rt/empty']);
      expect(Buffer.from(page.messages[1]?.payload ?? [])).toEqual(binary);
      expect(page.messages[0]?.properties).toMatchObject({ userProperties: [['site', 'a'], ['site', 'b']], correlationData: new Uint8Array([1, 2, 3]) });
    } finally {
      await store.close();
    }

    // Replay with a prefix to an outside subscriber.
    const outside = await client();
    const received: IPublishPacket[] = [];
    outside.on('message', (_t, _p, packet: IPublishPacket) => received.push(packet));
    await outside.subscribeAsync('copy/#', { qos: 1 });
    const replayer = await client();
    const replay = replayCapture({
      file,
      speed: 'max',
      stripPrefix: 'rt/',
      addPrefix: 'copy/',
      publish: async (m) => {
        const ack = await replayer.publishAsync(m.topic, Buffer.from(m.payload), { qos: m.qos, retain: m.retain, ...(m.properties ? { properties: toMqttJs(m.properties) } : {}) });
        return { reasonCode: (ack as { reasonCode?: number } | undefined)?.reasonCode ?? 0 };
      },
    });
    const report = await replay.done;
    expect(report).toMatchObject({ sent: 3, acknowledged: 2, refused: 0, cancelled: false });
    await waitFor(() => received.length === 3);
    expect(received.map((p) => p.topic)).toEqual(['copy/text', 'copy/binary', 'copy/empty']);
    expect(Buffer.from(received[0]?.payload ?? '').toString('utf8')).toBe('héllo wörld');
    expect(Buffer.from(received[1]?.payload ?? '')).toEqual(binary);
    expect(Buffer.from(received[2]?.payload ?? '').length).toBe(0);
    expect(received[0]?.properties).toMatchObject({ userProperties: { site: ['a', 'b'] }, contentType: 'text/plain', correlationData: Buffer.from([1, 2, 3]), responseTopic: 'rt/reply', payloadFormatIndicator: true });
  });

  it('replays at the original timing and scaled, each message on its recorded schedule', async () => {
    const file = path.join(dir, 'timing.ndjson');
    const ts = [0, 200, 500, 550, 1000];
    await writeFile(file, captureText(ts.map((t, i) => line(t, `t/${i}`, `${i}`))));
    for (const speed of [1, 4]) {
      const at: number[] = [];
      const topics: string[] = [];
      // The replay's clock starts at its first message, which is no earlier than this.
      const before = performance.now();
      const report = await replayCapture({
        file,
        speed,
        publish: (m) => {
          at.push(performance.now());
          topics.push(m.topic);
        },
      }).done;
      expect(report.sent).toBe(5);
      expect(topics).toEqual(['t/0', 't/1', 't/2', 't/3', 't/4']);
      // Never early, on any machine: a send waits for its due time (a timer may fire up to 1 ms early and the replay sends
      // what is due within 1 ms). A replay that ignored the recorded times, or scaled them too much, sends early.
      at.forEach((a, i) => expect(a - before).toBeGreaterThanOrEqual(((ts[i] as number) - (ts[0] as number)) / speed - 3));
      // No drift: the last message is due 1000 / speed ms after the first on one clock, so it is at most one stall late
      // however late the others were. A replay that ignored the speed is 750 ms late at 4×; a busy machine stalls a
      // process for a few hundred ms at worst. (Exact lateness is the bench's business, not a unit test's.)
      expect((at[4] as number) - (at[0] as number) - ((ts[4] as number) - (ts[0] as number)) / speed).toBeLessThan(500);
    }
  });

  it('pauses and resumes a replay, and the pause does not squeeze the timing', async () => {
    const file = path.join(dir, 'pause.ndjson');
    await writeFile(file, captureText([line(0, 'a', '1'), line(150, 'b', '2'), line(300, 'c', '3')]));
    const at: number[] = [];
    // The replay's clock starts at its first message, which is no earlier than this.
    const before = performance.now();
    const control = replayCapture({ file, publish: () => void at.push(performance.now()) });
    await waitFor(() => at.length >= 1, { intervalMs: 5 });
    control.pause();
    const pausedAt = performance.now();
    const sentBeforePause = at.length;
    expect(control.progress().paused).toBe(true);
    // Nothing goes out while paused, not even the message that was waiting for its time when the pause came.
    await waitFor(() => performance.now() - pausedAt > 200, { intervalMs: 50 });
    expect(at.length).toBe(sentBeforePause);
    const resumedAt = performance.now();
    control.resume();
    const report = await control.done;
    expect(report.sent).toBe(3);
    // The pause shifted the replay's clock by at least (resumedAt - pausedAt) instead of being caught up: the last
    // message keeps its recorded 300 ms after the first on that clock, so it is never earlier than this (a timer may fire
    // 1 ms early, and the replay sends what is due within 1 ms). Caught up, it would go out at once on resume.
    expect((at[2] as number) - before - (resumedAt - pausedAt)).toBeGreaterThanOrEqual(300 - 3);
  });

  it('loops, strips and adds prefixes, and can be cancelled', async () => {
    const file = path.join(dir, 'loop.ndjson');
    await writeFile(file, captureText([line(0, 'site/a/x', '1'), line(1, 'other/y', '2')]));
    const topics: string[] = [];
    const report = await replayCapture({ file, speed: 'max', loops: 3, stripPrefix: 'site/', addPrefix: 'lab/', publish: (m) => void topics.push(m.topic) }).done;
    expect(report.sent).toBe(6);
    expect(topics).toEqual(['lab/a/x', 'lab/other/y', 'lab/a/x', 'lab/other/y', 'lab/a/x', 'lab/other/y']);

    const slow = path.join(dir, 'slow.ndjson');
    await writeFile(slow, captureText([line(0, 'a', '1'), line(10_000, 'b', '2')]));
    const sent: string[] = [];
    const control = replayCapture({ file: slow, publish: (m) => void sent.push(m.topic) });
    await waitFor(() => sent.length === 1);
    control.cancel();
    expect(await control.done).toMatchObject({ sent: 1, cancelled: true });
  });

  it('names the malformed line and sends nothing, unless asked to skip it', async () => {
    const file = path.join(dir, 'bad.ndjson');
    const text = captureText([line(0, 'a', '1'), line(5, 'b', '2')]) + '{"t": 9, "topic": "c", "payload": "3"}\n' + 'not json at all\n' + JSON.stringify(line(20, 'e', '5')) + '\n';
    await writeFile(file, text);
    const sent: string[] = [];
    await expect(replayCapture({ file, publish: (m) => void sent.push(m.topic) }).done).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { line: 4 }, message: expect.stringContaining('Line 4 of') });
    expect(sent).toEqual([]);
    const report = await replayCapture({ file, speed: 'max', skipMalformed: true, publish: (m) => void sent.push(m.topic) }).done;
    expect(sent).toEqual(['a', 'b', 'e']);
    expect(report.skipped.map((s) => s.line)).toEqual([4, 5]);
    expect(report.skipped[1]?.message).toContain('not JSON');
  });

  it('reads CRLF and LF lines, blank lines, a line longer than a read chunk and a last line without a newline, counting lines as written', async () => {
    const file = path.join(dir, 'lines.ndjson');
    const big = 'y'.repeat(3 * 1024 * 1024);
    const text = [JSON.stringify({ topiaryCapture: 1, startedAt: 1 }), JSON.stringify(line(0, 'a', 'one')), '', JSON.stringify(line(1, 'b', big)), '  ', JSON.stringify(line(2, 'c', 'é'))];
    await writeFile(file, `${text.slice(0, 3).join('\r\n')}\r\n${text.slice(3).join('\n')}`);
    const read: CaptureMessage[] = [];
    for await (const m of readCapture(file)) read.push(m);
    expect(read.map((m) => [m.t, m.topic, m.payload.length])).toEqual([
      [0, 'a', 3],
      [1, 'b', big.length],
      [2, 'c', 2],
    ]);
    await writeFile(file, `${text.join('\n')}\n{"t":3,"topic":\n`);
    const reading = async (): Promise<void> => {
      for await (const m of readCapture(file)) void m;
    };
    await expect(reading()).rejects.toMatchObject({ details: { line: 7 } });
  });

  it('refuses a file that is not a capture, naming line 1, and a speed out of range', async () => {
    const file = path.join(dir, 'foreign.ndjson');
    await writeFile(file, '{"hello":"world"}\n');
    const read = async (): Promise<CaptureMessage[]> => {
      const out: CaptureMessage[] = [];
      for await (const m of readCapture(file)) out.push(m);
      return out;
    };
    await expect(read()).rejects.toMatchObject({ details: { line: 1 }, message: expect.stringContaining('not a Topiary capture') });
    expect(() => replayCapture({ file, speed: 500, publish: () => undefined })).toThrow(/between 0.1× and 100×/);
  });

  it('records until its duration runs out, only what matches its filters', async () => {
    const file = path.join(dir, 'duration.ndjson');
    const recorder = new CaptureRecorder({ file, filters: ['keep/#'], durationMs: 300 });
    const now = Date.now();
    recorder.offer({ topic: 'keep/a', payload: new Uint8Array([1]), qos: 0, retain: false, dup: false, receivedAt: now });
    recorder.offer({ topic: 'drop/a', payload: new Uint8Array([2]), qos: 0, retain: false, dup: false, receivedAt: now });
    const report = await recorder.done;
    expect(report.messages).toBe(1);
    expect(report.durationMs).toBeGreaterThanOrEqual(250);
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ topiaryCapture: 1, filters: ['keep/#'] });
    expect(lines).toHaveLength(2);
  });
});

/** The contract's properties in MQTT.js's shape (user properties as an object of arrays). */
function toMqttJs(p: NonNullable<Parameters<Parameters<typeof replayCapture>[0]['publish']>[0]['properties']>): Record<string, unknown> {
  const { userProperties, correlationData, ...rest } = p;
  const out: Record<string, unknown> = { ...rest };
  if (correlationData) out.correlationData = Buffer.from(correlationData);
  if (userProperties) {
    const u: Record<string, string[]> = {};
    for (const [k, v] of userProperties) (u[k] ??= []).push(v);
    out.userProperties = u;
  }
  return out;
}
