import { describe, expect, it } from 'vitest';
import { diffLines, diffPayloads, pathText } from './diff';

const enc = new TextEncoder();
const bytes = (v: unknown): Uint8Array => enc.encode(typeof v === 'string' ? v : JSON.stringify(v));

describe('diffPayloads', () => {
  it('reports added, removed and changed JSON paths with old and new values', () => {
    const diff = diffPayloads(
      bytes({ temp: 21, unit: 'C', tags: ['a', 'b'], nested: { on: true, mode: 'auto' } }),
      bytes({ temp: 22.5, tags: ['a', 'c', 'd'], nested: { on: true, mode: 'eco' }, extra: null }),
    );
    expect(diff.kind).toBe('json');
    if (diff.kind !== 'json') return;
    expect(diff.changes.map((c) => [c.op, c.pathText, c.oldValue, c.newValue])).toEqual([
      ['changed', 'temp', 21, 22.5],
      ['removed', 'unit', 'C', undefined],
      ['changed', 'tags[1]', 'b', 'c'],
      ['added', 'tags[2]', undefined, 'd'],
      ['changed', 'nested.mode', 'auto', 'eco'],
      ['added', 'extra', undefined, null],
    ]);
    expect(diff.truncated).toBe(false);
  });

  it('treats a type change as one change at that path', () => {
    const diff = diffPayloads(bytes({ v: [1] }), bytes({ v: { 0: 1 } }));
    expect(diff.kind === 'json' && diff.changes).toEqual([{ op: 'changed', path: ['v'], pathText: 'v', oldValue: [1], newValue: { 0: 1 } }]);
    const root = diffPayloads(bytes(1), bytes('"1"'));
    expect(root.kind === 'json' && root.changes[0]!.pathText).toBe('$');
  });

  it('finds no changes between equal JSON written differently', () => {
    const diff = diffPayloads(bytes('{"a":1,"b":2}'), bytes('{ "b": 2, "a": 1 }'));
    expect(diff).toEqual({ kind: 'json', changes: [], truncated: false });
  });

  it('stops at the item cap and says so', () => {
    const a = Array.from({ length: 100 }, (_, i) => i);
    const diff = diffPayloads(bytes(a), bytes(a.map((x) => x + 1)), { maxItems: 10 });
    expect(diff.kind === 'json' && diff.changes.length).toBe(10);
    expect(diff.kind === 'json' && diff.truncated).toBe(true);
  });

  it('falls back to a line diff when either side is not JSON', () => {
    const diff = diffPayloads(bytes('a\nb\nc\nd'), bytes('a\nc\nd\ne'));
    expect(diff.kind).toBe('text');
    if (diff.kind !== 'text') return;
    expect(diff.lines).toEqual([
      { op: 'equal', text: 'a' },
      { op: 'removed', text: 'b' },
      { op: 'equal', text: 'c' },
      { op: 'equal', text: 'd' },
      { op: 'added', text: 'e' },
    ]);
    expect(diff).toMatchObject({ added: 1, removed: 1, approximate: false });
  });
});

describe('diffPayloads on large payloads', () => {
  it('compares the first megabyte of 50 MB texts and says it was cut', () => {
    const a = new Uint8Array(50 * 1024 * 1024).fill(0x61);
    const b = a.slice();
    b[10] = 0x0a; // one line break near the start
    const diff = diffPayloads(a, b);
    expect(diff).toMatchObject({ kind: 'text', truncated: true, removed: 1, added: 2 });
  });
});

describe('diffLines', () => {
  it('finds a minimal edit script', () => {
    const diff = diffLines('A\nB\nC\nA\nB\nB\nA', 'C\nB\nA\nB\nA\nC');
    expect(diff.added + diff.removed).toBe(5);
    const rebuiltOld = diff.lines.filter((l) => l.op !== 'added').map((l) => l.text);
    const rebuiltNew = diff.lines.filter((l) => l.op !== 'removed').map((l) => l.text);
    expect(rebuiltOld).toEqual(['A', 'B', 'C', 'A', 'B', 'B', 'A']);
    expect(rebuiltNew).toEqual(['C', 'B', 'A', 'B', 'A', 'C']);
  });

  it('handles empty sides and identical texts', () => {
    expect(diffLines('', 'x\ny')).toMatchObject({ added: 2, removed: 0 });
    expect(diffLines('x', '')).toMatchObject({ added: 0, removed: 1 });
    expect(diffLines('same\ntext', 'same\ntext')).toMatchObject({ added: 0, removed: 0, lines: [{ op: 'equal' }, { op: 'equal' }] });
  });

  it('gives an approximate answer quickly when the texts share nothing', () => {
    const a = Array.from({ length: 20_000 }, (_, i) => `a${i}`).join('\n');
    const b = Array.from({ length: 20_000 }, (_, i) => `b${i}`).join('\n');
    const started = performance.now();
    const diff = diffLines(a, b, { maxEdits: 500 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(diff).toMatchObject({ approximate: true, added: 20_000, removed: 20_000 });
  });
});

describe('pathText', () => {
  it('quotes keys that are not identifiers', () => {
    expect(pathText(['a', 0, 'odd key', 'ok'])).toBe('a[0]["odd key"].ok');
  });
});
