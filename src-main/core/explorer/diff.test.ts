import { describe, expect, it } from 'vitest';
import { diffLines } from './diff';

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
