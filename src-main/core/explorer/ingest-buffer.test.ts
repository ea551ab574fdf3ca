import { describe, expect, it } from 'vitest';
import type { ExplorerMessage } from './explorer-message';
import { IngestBuffer } from './ingest-buffer';

function msg(i: number, size = 10): ExplorerMessage {
  return { topic: `t/${i}`, payload: new Uint8Array(size).fill(i & 0xff), qos: 0, retain: false, receivedAt: i };
}

describe('IngestBuffer', () => {
  it('passes messages straight through while running', () => {
    const seen: number[] = [];
    const buffer = new IngestBuffer((m) => seen.push(m.receivedAt));
    for (let i = 0; i < 5; i++) buffer.push(msg(i));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(buffer.stats()).toMatchObject({ received: 5, applied: 5, bufferedMessages: 0, dropped: 0 });
  });

  it('holds messages while paused and applies them in order on resume', () => {
    const seen: number[] = [];
    const buffer = new IngestBuffer((m) => seen.push(m.receivedAt));
    buffer.push(msg(0));
    buffer.pause();
    for (let i = 1; i <= 3; i++) buffer.push(msg(i));
    expect(seen).toEqual([0]);
    const held = buffer.stats();
    expect(held).toMatchObject({ paused: true, bufferedMessages: 3, received: 4, applied: 1 });
    expect(held.bufferedBytes).toBeGreaterThan(30);
    expect(held.fill).toBeGreaterThan(0);
    buffer.resume();
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(buffer.stats()).toMatchObject({ paused: false, bufferedMessages: 0, bufferedBytes: 0, applied: 4 });
  });

  it('copies held payloads so a reused socket buffer cannot change them', () => {
    const seen: number[] = [];
    const buffer = new IngestBuffer((m) => seen.push(m.payload[0]!));
    buffer.pause();
    const payload = new Uint8Array([1]);
    buffer.push({ topic: 'a', payload, qos: 0, retain: false, receivedAt: 0 });
    payload[0] = 99;
    buffer.resume();
    expect(seen).toEqual([1]);
  });

  it('counts drops beyond the message budget and never loses count', () => {
    let applied = 0;
    const buffer = new IngestBuffer(() => applied++, { capacityMessages: 100 });
    buffer.pause();
    for (let i = 0; i < 250; i++) buffer.push(msg(i));
    expect(buffer.stats()).toMatchObject({ bufferedMessages: 100, dropped: 150, droppedBytes: 1_500, fill: 1 });
    buffer.resume();
    expect(applied).toBe(100);
    const stats = buffer.stats();
    expect(stats.received).toBe(stats.applied + stats.dropped);
  });

  it('counts drops beyond the byte budget', () => {
    const buffer = new IngestBuffer(() => {}, { capacityBytes: 10_000 });
    buffer.pause();
    for (let i = 0; i < 20; i++) buffer.push(msg(i, 1_000));
    const stats = buffer.stats();
    expect(stats.bufferedBytes).toBeLessThanOrEqual(10_000);
    expect(stats.bufferedMessages + stats.dropped).toBe(20);
    expect(stats.dropped).toBeGreaterThan(0);
  });

  it('keeps order when messages arrive while a backlog is drained in slices', () => {
    const seen: number[] = [];
    const buffer = new IngestBuffer((m) => seen.push(m.receivedAt));
    buffer.pause();
    for (let i = 0; i < 10; i++) buffer.push(msg(i));
    buffer.resume(false);
    buffer.push(msg(10));
    expect(seen).toEqual([]);
    expect(buffer.drain(4)).toBe(7);
    buffer.push(msg(11));
    expect(buffer.drain(100)).toBe(0);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('counts discarded backlog separately from drops', () => {
    const buffer = new IngestBuffer(() => {});
    buffer.pause();
    for (let i = 0; i < 7; i++) buffer.push(msg(i));
    buffer.discard();
    expect(buffer.stats()).toMatchObject({ bufferedMessages: 0, discarded: 7, dropped: 0 });
  });
});
