import { memo, useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import { TopiaryError, type ErrorData } from '../../../../shared/ipc/errors';
import type { ComposedMessage, JobMode, JobProgress } from '../../../../shared/ipc/publish';
import { onJobProgress, startJob, stopJob } from './actions';

export interface JobControlsProps {
  readonly connectionId: ConnectionId | null;
  readonly canSend: boolean;
  /** The message as the form holds it right now. */
  readonly message: () => ComposedMessage | null;
}

function toError(e: unknown): ErrorData {
  return e instanceof TopiaryError ? e.toData() : { code: 'INTERNAL_ERROR', message: String(e) };
}

/** Repeat and burst: the core does the sending; the UI shows a few progress reports a second. */
export const JobControls = memo(function JobControls({ connectionId, canSend, message }: JobControlsProps): React.JSX.Element {
  const [kind, setKind] = useState<'repeat' | 'burst'>('repeat');
  const [intervalMs, setIntervalMs] = useState('1000');
  const [repeatCount, setRepeatCount] = useState('');
  const [burstCount, setBurstCount] = useState('1000');
  const [batchSize, setBatchSize] = useState('');
  const [batchDelayMs, setBatchDelayMs] = useState('');
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [error, setError] = useState<ErrorData | null>(null);
  const jobId = useRef<string | null>(null);

  useEffect(
    () =>
      onJobProgress((p) => {
        if (p.jobId === jobId.current) setProgress(p);
      }),
    [],
  );

  const start = async (): Promise<void> => {
    const m = message();
    if (!connectionId || !m) return;
    setError(null);
    const mode: JobMode =
      kind === 'repeat'
        ? { kind, intervalMs: Number(intervalMs), ...(repeatCount !== '' ? { count: Number(repeatCount) } : {}) }
        : {
            kind,
            count: Number(burstCount),
            ...(batchSize !== '' ? { batchSize: Number(batchSize) } : {}),
            ...(batchDelayMs !== '' ? { batchDelayMs: Number(batchDelayMs) } : {}),
          };
    try {
      const started = await startJob(connectionId, m, mode);
      jobId.current = started.jobId;
      setProgress(started);
    } catch (e) {
      setError(toError(e));
    }
  };

  const stop = async (): Promise<void> => {
    if (!jobId.current) return;
    try {
      setProgress(await stopJob(jobId.current));
    } catch (e) {
      setError(toError(e));
    }
  };

  const running = progress?.state === 'running';
  const digits = (set: (v: string) => void) => (e: React.ChangeEvent<HTMLInputElement>) => set(e.target.value.replace(/\D/g, ''));
  const fraction = progress?.total ? progress.acknowledged / progress.total : undefined;
  return (
    <div className="job-controls" data-testid="job-controls">
      <div className="publish-row">
        <select aria-label="Repeat or burst" data-testid="job-kind" value={kind} onChange={(e) => setKind(e.target.value as 'repeat' | 'burst')} disabled={running}>
          <option value="repeat">Repeat</option>
          <option value="burst">Burst</option>
        </select>
        {kind === 'repeat' ? (
          <>
            every <input className="num" aria-label="Interval in ms" data-testid="job-interval" value={intervalMs} onChange={digits(setIntervalMs)} /> ms,
            <input className="num" aria-label="Times (empty: until stopped)" data-testid="job-repeat-count" placeholder="∞" value={repeatCount} onChange={digits(setRepeatCount)} /> times
          </>
        ) : (
          <>
            <input className="num" aria-label="Messages" data-testid="job-burst-count" value={burstCount} onChange={digits(setBurstCount)} /> messages, batches of
            <input className="num" aria-label="Batch size" data-testid="job-batch-size" placeholder="all" value={batchSize} onChange={digits(setBatchSize)} /> with
            <input className="num" aria-label="Pause between batches in ms" data-testid="job-batch-delay" placeholder="0" value={batchDelayMs} onChange={digits(setBatchDelayMs)} /> ms between
          </>
        )}
        {running ? (
          <button type="button" data-testid="job-stop" onClick={() => void stop()}>
            Stop
          </button>
        ) : (
          <button type="button" data-testid="job-start" disabled={!canSend} onClick={() => void start()}>
            Start
          </button>
        )}
      </div>
      {progress ? (
        <div className="job-progress" data-testid="job-progress" data-state={progress.state} data-acknowledged={progress.acknowledged}>
          {fraction !== undefined ? <progress data-testid="job-progress-bar" max={1} value={fraction} /> : null}
          <span data-testid="job-report">
            {progress.state === 'running' ? 'Running' : progress.state === 'done' ? 'Done' : progress.state === 'stopped' ? 'Stopped' : 'Failed'}: {progress.sent.toLocaleString()}
            {progress.total !== undefined ? ` of ${progress.total.toLocaleString()}` : ''} sent, {progress.acknowledged.toLocaleString()} acknowledged, {progress.failed.toLocaleString()} failed ·{' '}
            {progress.ratePerSecond.toLocaleString()} msg/s · {(progress.durationMs / 1000).toFixed(1)} s
          </span>
          {progress.error ? (
            <div className="error" data-testid="job-error" data-code={progress.error.code}>
              {progress.error.message}
            </div>
          ) : null}
        </div>
      ) : null}
      {error ? (
        <div className="error" role="alert" data-testid="job-start-error" data-code={error.code}>
          <strong>{error.code}</strong> {error.message}
        </div>
      ) : null}
    </div>
  );
});
