import { afterEach, describe, expect, it } from 'vitest';
import { ComposedMessageSchema } from '../../../shared/ipc/publish';
import { scriptWorkerFile } from '../../test-support/worker-file';
import { compileMessage } from './compiled-message';
import { PayloadTransforms } from './payload-transform';

// A burst's messages go to the sandbox worker many at a time (runBatch); each keeps its own result and error.

let transforms: PayloadTransforms | undefined;
afterEach(async () => {
  await transforms?.close();
  transforms = undefined;
});

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('per-message payload scripts in batches', () => {
  it('computes messages asked for together in order, across batch boundaries, with state kept and a failure kept to its own message', async () => {
    transforms = new PayloadTransforms(await scriptWorkerFile(), { batchMax: 7 });
    const message = ComposedMessageSchema.parse({
      topic: 'tx/{{counter}}',
      payload: { form: 'text', text: '{{counter}}' },
      transform: { source: 'if (msg.text === "9") throw new Error("nine");\nconst seen = (state.get("seen") ?? 0) + 1; state.set("seen", seen); return `${msg.text}:${seen}`;' },
    });
    const compiled = compileMessage(message);
    const loaded = await transforms.load(message);
    try {
      // Asked for in one turn, as a burst's window is: 20 messages, three batches of at most 7.
      const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => loaded.apply(compiled.render(i + 1))));
      const outcome = results.map((r) => (r.status === 'fulfilled' ? `${r.value.topic}=${text(r.value.payload)}` : `error: ${(r.reason as Error).message}`));
      expect(outcome[8]).toMatch(/^error: The payload script failed: .*nine \(line 1, column \d+\)/);
      // The failed message did not count in the state; the others counted in the order asked.
      expect(outcome.filter((_, i) => i !== 8)).toEqual([...Array.from({ length: 8 }, (_, i) => `tx/${i + 1}=${i + 1}:${i + 1}`), ...Array.from({ length: 11 }, (_, i) => `tx/${i + 10}=${i + 10}:${i + 9}`)]);
      // Asked for later, one at a time, each still answers (a batch of one).
      const late = await loaded.apply(compiled.render(21));
      expect(text(late.payload)).toBe('21:20');
    } finally {
      await loaded.unload();
    }
  });

  it('a script that returns nothing fails only that message, with the sentence the composer shows', async () => {
    transforms = new PayloadTransforms(await scriptWorkerFile());
    const message = ComposedMessageSchema.parse({ topic: 't', payload: { form: 'text', text: '{{counter}}' }, transform: { source: 'if (msg.text === "2") return undefined; return msg.text;' } });
    const compiled = compileMessage(message);
    const loaded = await transforms.load(message);
    try {
      const results = await Promise.allSettled([1, 2, 3].map((n) => loaded.apply(compiled.render(n))));
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(((results[1] as PromiseRejectedResult).reason as Error).message).toMatch(/returned nothing/);
    } finally {
      await loaded.unload();
    }
  });
});
