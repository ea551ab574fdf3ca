import { encode as encodeMsgpack } from '@msgpack/msgpack';
import { encode as encodeCbor } from 'cbor';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptWorkerFile } from '../../test-support/worker-file';
import { ScriptSandbox } from '../scripts/script-sandbox';
import type { ScriptMessage } from '../scripts/script-types';
import { type BoundDecodedView, DecoderBindings } from './decoder-bindings';
import { SPARKPLUG_B_PROTO } from './sparkplug-b-proto';

const PROTO = 'syntax = "proto3"; package acme; message Reading { string sensor_id = 1; double value = 2; }';
const Reading = protobuf.parse(PROTO, { keepCase: true }).root.lookupType('acme.Reading');
const Sparkplug = protobuf.parse(SPARKPLUG_B_PROTO, { keepCase: true }).root.lookupType('org.eclipse.tahu.protobuf.Payload');

let sandbox: ScriptSandbox;
let bindings: DecoderBindings;

beforeAll(async () => {
  sandbox = new ScriptSandbox({ workerFile: await scriptWorkerFile() });
  bindings = new DecoderBindings(sandbox);
});
afterAll(async () => {
  await bindings.close();
  await sandbox.close();
});

const message = (topic: string, payload: Uint8Array | string): ScriptMessage => ({
  topic,
  payload: typeof payload === 'string' ? new TextEncoder().encode(payload) : payload,
  qos: 0,
  retain: false,
});

function okValue(view: BoundDecodedView | undefined): unknown {
  if (view === undefined) throw new Error('no binding applied');
  if (!view.ok) throw new Error(view.error);
  return view.value;
}

describe('decoder bindings', () => {
  it('decode each bound topic with its decoder: script, JSON, CBOR, MessagePack, Protobuf and Sparkplug B', async () => {
    const problems = await bindings.set([
      { id: 'script', filter: 'lab/+/json', decoder: { kind: 'script', source: 'const v = msg.json(); return { t: v.temp, h: v.hum };' } },
      { id: 'json', filter: 'plain/#', decoder: { kind: 'json' } },
      { id: 'cbor', filter: 'cbor/#', decoder: { kind: 'cbor' } },
      { id: 'msgpack', filter: 'mp/#', decoder: { kind: 'msgpack' } },
      { id: 'proto', filter: 'pb/#', decoder: { kind: 'protobuf', schema: { proto: PROTO, messageType: 'acme.Reading' } } },
      { id: 'sparkplug', filter: 'spBv1.0/#', decoder: { kind: 'sparkplug' } },
    ]);
    expect(problems).toEqual([]);
    const views = await bindings.decodeBatch([
      message('lab/a/json', '{"temp":21.5,"hum":40,"other":1}'),
      message('plain/x', '{"a":[1,2]}'),
      message('cbor/x', new Uint8Array(encodeCbor({ c: 1 }))),
      message('mp/x', encodeMsgpack({ m: 'two' })),
      message('pb/x', Reading.encode(Reading.fromObject({ sensor_id: 's1', value: 3.5 })).finish()),
      message('spBv1.0/g/NDATA/node', Sparkplug.encode(Sparkplug.fromObject({ seq: 4, metrics: [{ name: 'temp', datatype: 10, double_value: 20.25 }] })).finish()),
      message('unbound/topic', 'x'),
      message('lab/b/json', '{"temp":19,"hum":55}'),
    ]);
    expect(views.map((v) => v?.kind)).toEqual(['script', 'json', 'cbor', 'msgpack', 'protobuf', 'sparkplug', undefined, 'script']);
    expect(views.map((v) => v?.bindingId)).toEqual(['script', 'json', 'cbor', 'msgpack', 'proto', 'sparkplug', undefined, 'script']);
    expect(okValue(views[0])).toEqual({ t: 21.5, h: 40 });
    expect(views[0]).toMatchObject({ ok: true, text: JSON.stringify({ t: 21.5, h: 40 }, null, 2), totalBytes: 32 });
    expect(okValue(views[1])).toEqual({ a: [1, 2] });
    expect(okValue(views[2])).toEqual({ c: 1 });
    expect(okValue(views[3])).toEqual({ m: 'two' });
    expect(okValue(views[4])).toEqual({ sensor_id: 's1', value: 3.5 });
    expect(okValue(views[5])).toMatchObject({ seq: 4, metrics: [{ name: 'temp', datatype: 'Double', value: 20.25 }] });
    expect(okValue(views[7])).toEqual({ t: 19, h: 55 });
  });

  it('the first matching binding wins, and a disabled one is skipped', async () => {
    await bindings.set([
      { id: 'off', filter: 'a/#', decoder: { kind: 'hex' }, enabled: false },
      { id: 'specific', filter: 'a/b', decoder: { kind: 'text' } },
      { id: 'broad', filter: 'a/#', decoder: { kind: 'json' } },
    ]);
    expect(bindings.bindingFor('a/b')?.id).toBe('specific');
    expect(bindings.bindingFor('a/c')?.id).toBe('broad');
    expect(bindings.bindingFor('b')).toBeUndefined();
    expect(bindings.list().map((b) => b.id)).toEqual(['specific', 'broad']);
  });

  it('a binding with a problem is reported with what is wrong and left out; the others apply', async () => {
    const problems = await bindings.set([
      { id: 'bad-filter', filter: 'a/#/b', decoder: { kind: 'json' } },
      { id: 'bad-proto', filter: 'p/#', decoder: { kind: 'protobuf', schema: { proto: PROTO, messageType: 'acme.Missing' } } },
      { id: 'bad-script', filter: 's/#', decoder: { kind: 'script', source: 'return msg.json(;' } },
      { id: 'good', filter: 'g/#', decoder: { kind: 'json' } },
      { id: 'good', filter: 'h/#', decoder: { kind: 'json' } },
    ]);
    expect(problems).toEqual([
      { id: 'bad-filter', message: 'The # wildcard must stand alone as the last level of a filter, as in sensors/#.' },
      { id: 'bad-proto', message: 'Protobuf: message type "acme.Missing" is not in the .proto (it defines acme.Reading)' },
      { id: 'bad-script', message: expect.stringMatching(/^SyntaxError: .* \(line 1, column \d+\)$/), line: 1, column: expect.any(Number) },
      { id: 'good', message: 'Two bindings have the id "good".' },
    ]);
    expect(bindings.list().map((b) => b.filter)).toEqual(['g/#']);
  });

  it('a script that fails on one message says why, with its line, and the rest decode', async () => {
    await bindings.set([{ id: 's', filter: 's/#', decoder: { kind: 'script', source: "const v = msg.json();\nif (v.t === undefined) throw new Error('no t');\nlog('t is', v.t);\nreturn v.t;" } }]);
    const views = await bindings.decodeBatch([message('s/1', '{"t":1}'), message('s/2', '{}'), message('s/3', 'nope')]);
    expect(views[0]).toMatchObject({ ok: true, value: 1, text: '1', logs: [{ level: 'log', text: 't is 1' }] });
    expect(views[1]).toMatchObject({ ok: false, kind: 'script', error: 'cannot decode with the script: Error: no t (line 2, column 39)', line: 2 });
    expect(views[2]).toMatchObject({ ok: false, error: expect.stringMatching(/^cannot decode with the script: SyntaxError: the payload is not JSON/) });
  });

  it('replacing the bindings unloads the old scripts', async () => {
    await bindings.set([{ id: 's', filter: 's/#', decoder: { kind: 'script', source: 'return 1;' } }]);
    expect(okValue(await bindings.decode(message('s/1', '')))).toBe(1);
    await bindings.set([{ id: 's', filter: 's/#', decoder: { kind: 'script', source: 'return 2;' } }]);
    expect(okValue(await bindings.decode(message('s/1', '')))).toBe(2);
  });
});
