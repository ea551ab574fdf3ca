import { useEffect, useRef, useState } from 'react';
import type { ConnectionId } from '../../../../shared/ipc/common';
import type { Series } from '../../../../shared/ipc/explorer';
import { chart } from '../explorer/actions';
import { fetchSeries } from './actions';
import { drawSeries, SERIES_COLOR, type DrawnAxes } from './draw-series';
import { formatTime, plural, useTimeFormat } from '../../lib/format';
import { frameTicker } from '../../lib/frame-batch';
import { Combobox } from '../../ui/combobox';
import './chart.css';

const REFRESH_MS = 500;
/** The field box applies this long after the last keystroke, so typing "temp" does not chart "t", "te", "tem". */
const TYPING_MS = 300;
const SPANS: readonly { readonly label: string; readonly ms: number }[] = [
  { label: 'all', ms: 0 },
  { label: '10 s', ms: 10_000 },
  { label: '1 min', ms: 60_000 },
  { label: '5 min', ms: 300_000 },
];

/**
 * A numeric payload, or a numeric JSON field, over the topic's history. Drawn on a canvas by hand (a line of a few
 * thousand points needs no chart library), with rounded value ticks, a time axis and a legend naming the line.
 */
export function SeriesChart({ connectionId, topic, field }: { readonly connectionId: ConnectionId; readonly topic: string; readonly field: string | null }): React.JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [series, setSeries] = useState<Series | null>(null);
  const [paused, setPaused] = useState(false);
  const [spanMs, setSpanMs] = useState(0);
  const [fieldText, setFieldText] = useState(field ?? '');

  const [axes, setAxes] = useState<DrawnAxes>({ y: [], x: [] });
  useTimeFormat();

  useEffect(() => setFieldText(field ?? ''), [field]);

  // The box applies as you type (or pick a suggestion), once typing pauses.
  useEffect(() => {
    const wanted = fieldText.trim() === '' ? null : fieldText.trim();
    if (wanted === field) return;
    const timer = setTimeout(() => chart(topic, wanted), TYPING_MS);
    return () => clearTimeout(timer);
  }, [fieldText, field, topic]);

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
    setAxes(drawSeries(el, points, field ?? 'value'));
  }, [series, spanMs, field]);

  const last = series?.points[series.points.length - 1];
  const first = series?.points[0];
  const name = field ?? 'value';
  return (
    <div className="chart" data-testid="chart" data-field={field ?? ''} data-points={series?.points.length ?? 0} data-last={last?.v ?? ''}>
      <div className="actions">
        <label>
          Field{' '}
          <Combobox
            label="JSON field"
            listName="numeric fields"
            testId="chart-field-input"
            placeholder="whole payload"
            value={fieldText}
            options={series?.fields ?? []}
            onChange={setFieldText}
            onPick={(picked) => {
              setFieldText(picked);
              chart(topic, picked);
            }}
            onCommit={() => chart(topic, fieldText.trim() === '' ? null : fieldText.trim())}
          />
        </label>
        <button type="button" data-testid="chart-pause" aria-pressed={paused} onClick={() => setPaused(!paused)}>
          {paused ? 'Resume' : 'Pause'}
        </button>
        <span className="note">Zoom:</span>
        {SPANS.map((s) => (
          <button key={s.label} type="button" className="subtle" aria-pressed={spanMs === s.ms} aria-label={s.ms === 0 ? 'Show all points' : `Show the last ${s.label}`} onClick={() => setSpanMs(s.ms)}>
            {s.label}
          </button>
        ))}
        <span className="note" data-testid="chart-summary">
          {series ? `${plural(series.points.length, 'point')}${series.skipped > 0 ? `, ${series.skipped} without a number` : ''}${last ? ` · last ${last.v}` : ''}` : ''}
        </span>
      </div>
      <div className="chart-legend" data-testid="chart-legend">
        <span className="chart-swatch" style={{ background: SERIES_COLOR }} aria-hidden="true" />
        <span data-testid="chart-legend-label">{name}</span>
      </div>
      <canvas
        ref={canvas}
        role="img"
        data-testid="chart-canvas"
        data-y-ticks={axes.y.join('|')}
        data-x-ticks={axes.x.join('|')}
        aria-label={
          series && first && last
            ? `${name} over time: ${plural(series.points.length, 'point')} from ${formatTime(first.t)} to ${formatTime(last.t)}, values on a scale of ${axes.y[0] ?? ''} to ${axes.y[axes.y.length - 1] ?? ''}, last ${last.v}.`
            : `${name} over time: no numbers yet.`
        }
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
