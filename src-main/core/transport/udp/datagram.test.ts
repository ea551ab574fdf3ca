import { describe, expect, it } from 'vitest';
import { decodeDatagram, encodeDatagram, HEADER_BYTES } from './datagram';

describe('reliable-UDP datagrams', () => {
  it('round-trips DATA, ACK and CLOSE with the header laid out as RELIABILITY.md says', () => {
    const data = encodeDatagram({ type: 'data', sessionId: 0xdeadbeef, seq: 7, fragmentIndex: 1, fragmentCount: 3, payload: Buffer.from('hi') });
    expect(data.subarray(0, HEADER_BYTES).toString('hex')).toBe('0101deadbeef0000000700010003');
    expect(decodeDatagram(data)).toEqual({ type: 'data', sessionId: 0xdeadbeef, seq: 7, fragmentIndex: 1, fragmentCount: 3, payload: Buffer.from('hi') });
    const ack = encodeDatagram({ type: 'ack', sessionId: 5, cumulative: 10, selective: [12, 15] });
    expect(ack.length).toBe(HEADER_BYTES + 8);
    expect(decodeDatagram(ack)).toEqual({ type: 'ack', sessionId: 5, cumulative: 10, selective: [12, 15] });
    expect(decodeDatagram(encodeDatagram({ type: 'close', sessionId: 5, endSeq: 99 }))).toEqual({ type: 'close', sessionId: 5, endSeq: 99 });
  });

  it('drops malformed datagrams instead of throwing', () => {
    const good = encodeDatagram({ type: 'data', sessionId: 1, seq: 0, fragmentIndex: 0, fragmentCount: 1, payload: Buffer.from('x') });
    expect(decodeDatagram(good.subarray(0, HEADER_BYTES - 1))).toBeUndefined();
    expect(decodeDatagram(Buffer.concat([Buffer.from([2]), good.subarray(1)]))).toBeUndefined(); // version 2
    expect(decodeDatagram(Buffer.concat([Buffer.from([1, 9]), good.subarray(2)]))).toBeUndefined(); // unknown type
    expect(decodeDatagram(good.subarray(0, HEADER_BYTES))).toBeUndefined(); // DATA without payload
    const badIndex = Buffer.from(good);
    badIndex.writeUInt16BE(1, 10);
    expect(decodeDatagram(badIndex)).toBeUndefined(); // index 1 of 1
    const ack = encodeDatagram({ type: 'ack', sessionId: 1, cumulative: 0, selective: [3] });
    expect(decodeDatagram(ack.subarray(0, ack.length - 1))).toBeUndefined(); // ragged selective list
  });
});
