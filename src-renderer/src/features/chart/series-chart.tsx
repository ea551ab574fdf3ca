import { useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { Series } from '../../../../shared/ipc/explorer';
import { chart } from '../explorer/actions';
import { fetchSeries } from './actions';
import { drawSeries } from './draw-series';
import { frameTicker } from '../../lib/frame-batch';

const REFRESH_MS = 500;
const SPANS: readonly { readonly label: string; readonly ms: number }[] = [
  { label: 'all', ms: 0 },
  { label: '10 s', ms: 10_000 },
  { label: '1 min', ms: 60_000 },
  { label: '5 min', ms: 300_000 },
];

/**
 * A numeric payload, or a numeric JSON field, over the topic's history. Drawn on a canvas by hand:
 * no chart library is installed, and a line of a few thousand points needs none.
 */
export function SeriesChart({ connectionId, topic, field }: { readonly connectionId: ConnectionId; readonly topic: string; readonly field: string | null }): React.JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [series, setSeries] = useState<Series | null>(null);
  const [paused, setPaused] = useState(false);
  const [spanMs, setSpanMs] = useState(0);
  const [fieldText, setFieldText] = useState(field ?? '');

  useEffect(() => setFieldText(field ?? ''), [field]);

  useEffect(() => {
    if (paused) return;
    let cancelled = false;
    let inFlight = false;
    // Pulled on the page's one frame clock, one request at a time.
    const load = (): void => {
      if (inFlight) return;
      inFlight = true;
      fetchSeries(connectionId, topic, field)
        .then((s) => {
          if (!cancelled) setSeries(s);
        })
        .catch(() => undefined)
        .finally(() => (inFlight = false));
    };
    const stop = frameTicker.every(REFRESH_MS, load);
    return () => {
      cancelled = true;
      stop();
    };
  }, [connectionId, topic, field, paused]);

  useEffect(() => {
    const el = canvas.current;
    if (!el || !series) return;
    const points = spanMs > 0 && series.points.length > 0 ? series.points.filter((p) => p.t >= series.points[series.points.length - 1]!.t - spanMs) : series.points;
    drawSeries(el, points);
  }, [series, spanMs]);

  const last = series?.points[series.points.length - 1];
  return (
    <div className="chart" data-testid="chart" data-field={field ?? ''} data-points={series?.points.length ?? 0} data-last={last?.v ?? ''}>
      <div className="actions">
        <label>
          Field{' '}
          <input
            aria-label="JSON field"
            data-testid="chart-field-input"
            placeholder="whole payload"
            value={fieldText}
            onChange={(e) => setFieldText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') chart(topic, fieldText.trim() === '' ? null : fieldText.trim());
            }}
          />
        </label>
        <button type="button" data-testid="chart-pause" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <span className="note">Zoom:</span>
        {SPANS.map((s) => (
          <button key={s.label} type="button" className="subtle" aria-pressed={spanMs === s.ms} onClick={() => setSpanMs(s.ms)}>
            {s.label}
          </button>
        ))}
        <span className="note" data-testid="chart-summary">
          {series ? `${series.points.length} points${series.skipped > 0 ? `, ${series.skipped} without a number` : ''}${last ? ` · last ${last.v}` : ''}` : ''}
        </span>
      </div>
      <canvas
        ref={canvas}
        width={640}
        height={220}
        onWheel={(e) => {
          // Wheel zooms the time span: in halves the window, out doubles it (0 = everything).
          const current = spanMs === 0 && series && series.points.length > 1 ? series.points[series.points.length - 1]!.t - series.points[0]!.t : spanMs;
          const next = e.deltaY < 0 ? Math.max(1000, current / 2) : current * 2;
          setSpanMs(Math.round(next));
        }}
      />
    </div>
  );
}
