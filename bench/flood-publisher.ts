import { scriptChild } from './script-child';

/** The benches' flood publisher, a script for `scriptChild` (env: URL, PREFIX, RATE, TOTAL, TOPICS, LIMIT_MS, RETAIN). */

// Raw MQTT 3.1.1 over TCP (an MQTT.js publish() call would cap the flood near 30,000/s on these two cores and
// make the publisher the thing measured). Each 100-byte payload is JSON: {"seq": n, "t": send time, "p": padding}.
// Message n goes to topic n % TOPICS. It reports, per write, how many it had sent and the stamp those carried.
export const FLOOD_PUBLISHER = `
const net = require('node:net');
const { URL: url, PREFIX: prefix } = process.env;
const [rate, total, topics, limitMs, retain] = [+process.env.RATE, +process.env.TOTAL, +process.env.TOPICS, +process.env.LIMIT_MS, process.env.RETAIN === '1'];
const varint = (n) => { const out = []; do { let b = n % 128; n = Math.floor(n / 128); if (n > 0) b |= 128; out.push(b); } while (n > 0); return Buffer.from(out); };
const PAD = 'x'.repeat(57);
const heads = Array.from({ length: topics }, (_, i) => { const t = Buffer.from(prefix + '/line' + (i % 100) + '/sensor' + i); return Buffer.concat([Buffer.from([retain ? 0x31 : 0x30]), varint(2 + t.length + 100), Buffer.from([t.length >> 8, t.length & 255]), t]); });
const { hostname, port } = new URL(url);
const socket = net.connect(+port, hostname);
socket.setNoDelay(true);
let sent = 0;
const log = [];
socket.on('error', (e) => { process.stderr.write('publisher: ' + e.message + '\\n'); process.stdout.write(JSON.stringify({ sent, ms: 0, log, error: e.message })); process.exit(0); });
const id = Buffer.from('bench-pub-' + process.pid);
const connectBody = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 2, 0, 60, id.length >> 8, id.length & 255]), id]);
socket.write(Buffer.concat([Buffer.from([0x10]), varint(connectBody.length), connectBody]));
socket.once('data', () => {
  const start = Date.now();
  const tick = () => {
    const now = Date.now();
    const due = Math.min(total, Math.ceil(((now - start) / 1000) * rate));
    const upTo = Math.min(due, sent + 5000);
    if (upTo > sent) {
      let size = 0;
      for (let s = sent; s < upTo; s++) size += heads[s % topics].length + 100;
      const buf = Buffer.allocUnsafe(size);
      let at = 0;
      for (let s = sent; s < upTo; s++) {
        const head = heads[s % topics];
        head.copy(buf, at);
        at += head.length;
        at += buf.write('{"seq":' + String(s).padStart(10) + ',"t":' + now + ',"p":"' + PAD + '"}', at, 'latin1');
      }
      sent = upTo;
      log.push([sent, now]);
      var more = socket.write(buf);
    } else var more = true;
    if (sent >= total || Date.now() - start >= limitMs) { socket.end(Buffer.from([0xe0, 0]), () => process.stdout.write(JSON.stringify({ sent, ms: Date.now() - start, log }))); return; }
    if (!more) socket.once('drain', tick);
    else if (sent < due) setImmediate(tick);
    else setTimeout(tick, 2);
  };
  tick();
});
`;

/** What a flood publisher reports once it ends. */
export interface Published {
  readonly sent: number;
  readonly ms: number;
  /** [messages sent so far, the stamp they carried] per write. */
  readonly log: readonly (readonly [number, number])[];
}

export interface FloodOptions {
  readonly mqttPath: string;
  readonly url: string;
  readonly prefix: string;
  readonly rate: number;
  readonly total: number;
  readonly topics: number;
  readonly limitMs: number;
  readonly retain?: boolean;
}

/** Runs the flood publisher in a process of its own to the end. */
export async function runFlood(o: FloodOptions): Promise<Published> {
  const proc = scriptChild(FLOOD_PUBLISHER, o.mqttPath, {
    URL: o.url,
    PREFIX: o.prefix,
    RATE: String(o.rate),
    TOTAL: String(o.total),
    TOPICS: String(o.topics),
    LIMIT_MS: String(o.limitMs),
    RETAIN: o.retain === true ? '1' : '0',
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((resolve) => proc.once('exit', resolve));
  return JSON.parse(out) as Published;
}
