import { describe, expect, it, vi } from 'vitest';
import type { PublishResult } from '../../../shared/ipc/publish';
import { TopiaryError } from '../../../shared/ipc/errors';
import { waitFor } from '../../test-support/wait-for';
import { compileMessage } from './compiled-message';
import type { RenderedMessage } from './compiled-message';
import { PublishJob, type JobLink } from './publish-job';

/** A link that holds every publish until the test acknowledges it, recording the most ever outstanding. */
function heldLink(): JobLink & { pending: (() => void)[]; maxOutstanding: number; topics: string[] } {
  const link = {
    pending: [] as (() => void)[],
    maxOutstanding: 0,
    topics: [] as string[],
    publish(args: { topic: string }): Promise<PublishResult> {
      link.topics.push(args.topic);
      return new Promise((resolve) => {
        link.pending.push(() => resolve({ roundTripMs: 1 }));
        link.maxOutstanding = Math.max(link.maxOutstanding, link.pending.length);
      });
    },
  };
  return link;
}

const message = (topic: string, qos: 0 | 1 | 2 = 1) => compileMessage({ topic, payload: { form: 'text', text: 'x' }, qos, retain: false, template: true });

describe('publish jobs', () => {
  it('never has more unacknowledged publishes than the broker\'s Receive Maximum', async () => {
    const link = heldLink();
    const job = new PublishJob('c', message('t/{{counter}}'), { kind: 'burst', count: 50 }, link, { receiveMaximum: 5 }, () => undefined);
    while (job.running) {
      await waitFor(() => link.pending.length > 0 || !job.running);
      link.pending.splice(0).forEach((ack) => ack());
      await new Promise((r) => setImmediate(r));
    }
    const report = await job.done();
    expect(link.maxOutstanding).toBe(5);
    expect(report).toMatchObject({ state: 'done', sent: 50, acknowledged: 50, failed: 0 });
    expect(link.topics.slice(0, 3)).toEqual(['t/1', 't/2', 't/3']);
    expect(link.topics.at(-1)).toBe('t/50');
  });

  it('counts refusals and keeps the first reason for the report', async () => {
    let n = 0;
    const link: JobLink = {
      publish: () => (++n % 2 === 0 ? Promise.reject(new TopiaryError('PUBLISH_FAILED', 'Quota exceeded')) : Promise.resolve({ roundTripMs: 1 })),
    };
    const job = new PublishJob('c', message('q'), { kind: 'burst', count: 10 }, link, {}, () => undefined);
    const report = await job.done();
    expect(report).toMatchObject({ state: 'done', sent: 10, acknowledged: 5, failed: 5, error: { code: 'PUBLISH_FAILED', message: 'Quota exceeded' } });
  });

  it('gives up a burst whose first messages are all refused', async () => {
    const link: JobLink = { publish: () => Promise.reject(new TopiaryError('PUBLISH_FAILED', 'Not authorized')) };
    const job = new PublishJob('c', message('denied'), { kind: 'burst', count: 10_000 }, link, { receiveMaximum: 20 }, () => undefined);
    const report = await job.done();
    expect(report.state).toBe('failed');
    expect(report.sent).toBeLessThan(100);
    expect(report.error?.message).toBe('Not authorized');
  });

  it('keeps a repeat on schedule instead of drifting by each send\'s own time', async () => {
    // On a fake clock: on a real one a busy machine's stall of the test process made an on-schedule repeat look like a
    // drifting one. Timers and performance.now() are faked only inside this test, and restored.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const link: JobLink = { publish: () => new Promise((resolve) => setTimeout(() => resolve({ roundTripMs: 15 }), 15)) };
      const job = new PublishJob('c', message('r'), { kind: 'repeat', intervalMs: 20, count: 10 }, link, {}, () => undefined);
      const done = job.done();
      await vi.runAllTimersAsync();
      const report = await done;
      expect(report.acknowledged).toBe(10);
      // Nine intervals of 20 ms plus the last acknowledgement, exactly; a drifting loop would take 9 × 35 ms and more.
      expect(report.durationMs).toBe(9 * 20 + 15);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends nothing after a payload script failed the job, even what was already waiting on the script', async () => {
    const link = heldLink();
    // Script runs held by the test: the repeat schedules all five before the third one's failure is known.
    const runs: { topic: string; settle: () => void }[] = [];
    const transform = (rendered: RenderedMessage): Promise<RenderedMessage> =>
      new Promise((resolve, reject) => {
        runs.push({ topic: rendered.topic, settle: () => (rendered.topic === 'x/3' ? reject(new TopiaryError('PAYLOAD_ERROR', 'three')) : resolve(rendered)) });
      });
    const job = new PublishJob('c', message('x/{{counter}}'), { kind: 'repeat', intervalMs: 1, count: 5 }, link, {}, () => undefined, transform);
    await waitFor(() => runs.length === 5, { what: 'five script runs queued' });
    for (const run of runs) {
      run.settle();
      // In order, one at a time, as the sandbox answers.
      await new Promise((r) => setImmediate(r));
    }
    // Every script run has settled, and what was going to be published has been.
    expect(link.topics).toEqual(['x/1', 'x/2']);
    // Not ended while two acknowledgements are outstanding: a report now is not mistaken for the final one.
    expect(job.progress()).toMatchObject({ state: 'running', acknowledged: 0 });
    link.pending.splice(0).forEach((ack) => ack());
    const report = await job.done();
    expect(report).toMatchObject({ state: 'failed', sent: 2, acknowledged: 2, failed: 1, error: { code: 'PAYLOAD_ERROR', message: 'three' } });
  });

  it('tells the owner once when it ends, with the final report', async () => {
    const ended: string[] = [];
    const link = heldLink();
    const job = new PublishJob('c', message('s'), { kind: 'repeat', intervalMs: 1_000 }, link, {}, (j) => ended.push(j.progress().state));
    await waitFor(() => link.pending.length === 1);
    const stopping = job.stop();
    link.pending.splice(0).forEach((ack) => ack());
    const report = await stopping;
    expect(report).toMatchObject({ state: 'stopped', sent: 1, acknowledged: 1 });
    expect(ended).toEqual(['stopped']);
  });
});
