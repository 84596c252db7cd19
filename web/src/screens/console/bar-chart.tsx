/**
 * Stacked bars per day, drawn as SVG by hand: no chart library, nothing loaded from elsewhere.
 * The numbers are also in the table under the charts, which is what screen readers should read.
 */

/** Distinguishable on white and for the common colour-vision deficiencies (Okabe–Ito). */
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#000000'];
export const colorOf = (index: number) => PALETTE[index % PALETTE.length]!;

const WIDTH = 640;
const HEIGHT = 240;
const LEFT = 72;
const RIGHT = 8;
const TOP = 10;
const BOTTOM = 32;
// Large in viewBox units: the chart shrinks to half size on a phone.
const FONT = 18;

/** The smallest 1, 2 or 5 × 10^n at or above `n`, so the axis reads in round steps. */
function niceCeiling(n: number): number {
  if (n <= 0) return 0.25;
  const power = 10 ** Math.floor(Math.log10(n));
  return ([1, 2, 5, 10].find((m) => m * power >= n) ?? 10) * power;
}

export function BarChart(props: {
  label: string;
  days: string[];
  channels: string[];
  values: Map<string, Map<string, number>>;
  format(n: number): string;
  /** Counts: the axis steps in whole numbers. */
  integer?: boolean;
  /** Day labels under the axis, e.g. "3.6." or "6/3". */
  dayLabel(day: string): string;
}) {
  const { days, channels, values } = props;
  const totals = days.map((d) => [...(values.get(d)?.values() ?? [])].reduce((a, b) => a + b, 0));
  // Four round steps up to at least the tallest bar.
  const rawStep = niceCeiling(Math.max(0, ...totals) / 4);
  const step = props.integer ? Math.max(1, Math.ceil(rawStep)) : rawStep;
  const max = step * 4;
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.min(40, slot * 0.7);
  const y = (v: number) => TOP + plotH - (v / max) * plotH;
  const ticks = [0, 1, 2, 3, 4].map((i) => i * step);
  // Label every k-th day so the labels never overlap.
  const every = Math.ceil(days.length / 9);

  return (
    <svg
      class="chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={props.label}
      font-size={FONT}
    >
      {ticks.map((v) => (
        <g class="tick">
          <line x1={LEFT} x2={WIDTH - RIGHT} y1={y(v)} y2={y(v)} stroke="#e2e8f0" />
          <text x={LEFT - 6} y={y(v) + FONT / 3} text-anchor="end" fill="#64748b">
            {props.format(v)}
          </text>
        </g>
      ))}
      {days.map((day, i) => {
        const x = LEFT + i * slot + (slot - barW) / 2;
        let base = 0;
        return (
          <g class="day" data-day={day}>
            {channels.map((ch, c) => {
              const v = values.get(day)?.get(ch) ?? 0;
              if (v <= 0) return null;
              const top = y(base + v);
              const height = y(base) - top;
              base += v;
              return (
                <rect
                  class="bar"
                  data-channel={ch}
                  data-value={v}
                  x={x}
                  y={top}
                  width={barW}
                  height={Math.max(1, height)}
                  fill={colorOf(c)}
                >
                  <title>{`${props.dayLabel(day)} · ${ch}: ${props.format(v)}`}</title>
                </rect>
              );
            })}
            {i % every === 0 && (
              <text
                x={LEFT + i * slot + slot / 2}
                y={HEIGHT - 8}
                text-anchor="middle"
                fill="#64748b"
              >
                {props.dayLabel(day)}
              </text>
            )}
          </g>
        );
      })}
      <line x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + plotH} stroke="#94a3b8" />
    </svg>
  );
}
