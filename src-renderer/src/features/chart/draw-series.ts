import type { SeriesPoint } from '../../../../shared/ipc/explorer';
import { formatAxisTime } from '../../lib/format';

const PAD_LEFT = 56;
const PAD = 12;
const PAD_BOTTOM = 22;

/** One line of a chart, named in its legend. */
export interface ChartLine {
  readonly label: string;
  readonly color: string;
  readonly points: readonly SeriesPoint[];
}

export interface ChartOptions {
  /** Label the x axis with clock times. */
  readonly timeAxis?: boolean;
  /** What to say when there is nothing to draw. */
  readonly empty?: string;
  /** Name the lines above the plot (default: when there is more than one). */
  readonly legend?: boolean;
}

/** The legend's own band above the plot, so it never sits on the top grid line or under a line. */
const LEGEND_BAND = 16;

/** Round axis values (1, 2 or 5 times a power of ten) covering min..max in about `count` steps. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  if ((ticks[ticks.length - 1] ?? min) < max) ticks.push(+(ticks[ticks.length - 1]! + step).toPrecision(12));
  return ticks;
}

/** A tick value as a person reads it: 1.5k, 20, 0.25. */
export function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return String(+v.toPrecision(3));
}

/** Evenly spaced times for the x axis, at most `count`, as whole seconds where the span allows. */
export function timeTicks(t0: number, t1: number, count = 4): number[] {
  if (!(t1 > t0)) return [t0];
  const span = t1 - t0;
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].map((s) => s * 1000);
  const step = steps.find((s) => span / s <= count) ?? Math.ceil(span / count / 3_600_000) * 3_600_000;
  if (span < 1000) return [t0, t1];
  const ticks: number[] = [];
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) ticks.push(t);
  return ticks.length > 0 ? ticks : [t0, t1];
}

/** The labels drawn on each axis, for tests and for the chart's text alternative. */
export interface DrawnAxes {
  readonly y: readonly string[];
  readonly x: readonly string[];
}

/** Draws one or more lines over rounded y ticks (and a time axis, a legend) on a canvas sized for the device's pixel ratio. */
export function drawLines(canvas: HTMLCanvasElement, lines: readonly ChartLine[], options: ChartOptions = {}): DrawnAxes {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d');
  if (!ctx) return { y: [], x: [] };
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px ui-monospace, monospace';
  // The theme's colours, so grid and labels read as well in light as in dark.
  const style = getComputedStyle(canvas);
  const textColour = style.getPropertyValue('--muted').trim() || '#8a94a6';
  const gridColour = style.getPropertyValue('--line').trim() || '#2b313b';
  ctx.fillStyle = textColour;
  const all = lines.flatMap((l) => l.points);
  if (all.length === 0) {
    ctx.fillText(options.empty ?? 'No numbers in this topic’s history yet.', PAD_LEFT, height / 2);
    return { y: [], x: [] };
  }
  let minV = Infinity;
  let maxV = -Infinity;
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const p of all) {
    minV = Math.min(minV, p.v);
    maxV = Math.max(maxV, p.v);
    t0 = Math.min(t0, p.t);
    t1 = Math.max(t1, p.t);
  }
  if (minV === maxV) {
    minV -= 1;
    maxV += 1;
  }
  const ticks = niceTicks(minV, maxV);
  const lo = Math.min(minV, ticks[0] ?? minV);
  const hi = Math.max(maxV, ticks[ticks.length - 1] ?? maxV);
  if (t1 <= t0) t1 = t0 + 1;
  const legend = options.legend ?? lines.length > 1;
  const top = legend ? PAD + LEGEND_BAND : PAD;
  const bottom = height - (options.timeAxis ? PAD_BOTTOM : PAD);
  const x = (t: number): number => PAD_LEFT + ((t - t0) / (t1 - t0)) * (width - PAD_LEFT - PAD);
  const y = (v: number): number => top + (1 - (v - lo) / (hi - lo)) * (bottom - top);
  ctx.strokeStyle = gridColour;
  ctx.lineWidth = 1;
  for (const v of ticks) {
    ctx.beginPath();
    ctx.moveTo(PAD_LEFT, y(v));
    ctx.lineTo(width - PAD, y(v));
    ctx.stroke();
    ctx.fillText(tickLabel(v), 4, y(v) + 4);
  }
  ctx.beginPath();
  ctx.moveTo(PAD_LEFT, top);
  ctx.lineTo(PAD_LEFT, bottom);
  ctx.lineTo(width - PAD, bottom);
  ctx.stroke();
  const xLabels: string[] = [];
  if (options.timeAxis) {
    // Ticks that would overlap the previous label are skipped, so labels never run into each other.
    let free = PAD_LEFT - 1;
    for (const t of timeTicks(t0, t1, Math.max(2, Math.floor((width - PAD_LEFT - PAD) / 90)))) {
      const label = formatAxisTime(t);
      const w = ctx.measureText(label).width;
      const left = Math.min(Math.max(PAD_LEFT, x(t) - w / 2), width - PAD - w);
      if (left < free) continue;
      ctx.beginPath();
      ctx.moveTo(x(t), bottom);
      ctx.lineTo(x(t), bottom + 4);
      ctx.stroke();
      ctx.fillText(label, left, height - 6);
      xLabels.push(label);
      free = left + w + 8;
    }
  }
  for (const line of lines) {
    ctx.strokeStyle = line.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    line.points.forEach((p, i) => (i === 0 ? ctx.moveTo(x(p.t), y(p.v)) : ctx.lineTo(x(p.t), y(p.v))));
    ctx.stroke();
    if (line.points.length < 200) {
      ctx.fillStyle = line.color;
      for (const p of line.points) ctx.fillRect(x(p.t) - 1.5, y(p.v) - 1.5, 3, 3);
    }
  }
  if (legend) {
    let lx = PAD_LEFT + 8;
    for (const line of lines) {
      ctx.fillStyle = line.color;
      ctx.fillRect(lx, PAD - 2, 10, 3);
      ctx.fillStyle = textColour;
      ctx.fillText(line.label, lx + 14, PAD + 3);
      lx += 14 + ctx.measureText(line.label).width + 16;
    }
  }
  return { y: ticks.map(tickLabel), x: xLabels };
}

/** The colour of a topic's line, named in the chart's legend. */
export const SERIES_COLOR = '#2f9e6b';

/** Draws a topic's numbers over time, on rounded value ticks and a time axis, with the line named in the legend. */
export function drawSeries(canvas: HTMLCanvasElement, points: readonly SeriesPoint[], label: string): DrawnAxes {
  // The chart names its line in an HTML legend above the canvas, so the canvas draws none.
  return drawLines(canvas, [{ label, color: SERIES_COLOR, points }], { timeAxis: true, legend: false });
}
