import { describe, expect, it } from 'vitest';
import { ExplorerSession } from './explorer-session';

const enc = new TextEncoder();

describe('ExplorerSession', () => {
  it('feeds the index and history and answers topic, series and row questions', () => {
    const session = new ExplorerSession({ history: { maxPerTopic: 3 } });
    for (let i = 0; i < 5; i++) {
      session.ingest({ topic: 'plant/oven/temp', payload: enc.encode(JSON.stringify({ c: 200 + i })), qos: 1, retain: false, receivedAt: 100 * i });
    }
    const details = session.topic('plant/oven/temp', 2)!;
    expect(details.info.messageCount).toBe(5);
    expect(details.history.map((h) => h.receivedAt)).toEqual([300, 400]);
    expect(new TextDecoder().decode(details.lastMessage!.payload)).toBe('{"c":204}');
    expect(session.series('plant/oven/temp', { kind: 'json', path: 'c' }).points).toEqual([
      { t: 200, v: 202 },
      { t: 300, v: 203 },
      { t: 400, v: 204 },
    ]);
    session.tree.expandToDepth(5);
    expect(session.tree.rows(0, 10).rows.map((r) => r.path)).toEqual(['plant', 'plant/oven', 'plant/oven/temp']);
    expect(session.topic('nope')).toBeUndefined();
  });

  it('holds messages while paused and shows them after resume', () => {
    const session = new ExplorerSession();
    session.pause();
    session.ingest({ topic: 'a', payload: enc.encode('1'), qos: 0, retain: false, receivedAt: 1 });
    expect(session.stats()).toMatchObject({ topicCount: 0, buffer: { bufferedMessages: 1, paused: true } });
    session.resume();
    expect(session.stats()).toMatchObject({ topicCount: 1, messageCount: 1, history: { entries: 1 } });
    session.clear();
    expect(session.stats()).toMatchObject({ topicCount: 0, history: { entries: 0 } });
  });
});
