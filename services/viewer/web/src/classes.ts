// Choropleth classes: quantile breaks (5 classes) or the index groups of the status index, and the palette.
import type { IndicatorValue } from './api.ts';

/** ColorBrewer YlGnBu, 5 classes: sequential and colour-blind safe */
export const palette = ['#ffffcc', '#a1dab4', '#41b6c4', '#2c7fb8', '#253494'] as const;
export const suppressedColour = '#bdbdbd';
export const noDataColour = '#f0f0f0';

export interface ClassScheme {
  kind: 'quantiles' | 'groups';
  /** upper bounds of classes 0..n-2 (quantiles); empty for groups */
  breaks: number[];
  colours: string[];
  labels: string[];
  /** class index of a value, or null when it has none */
  classOf(value: IndicatorValue): number | null;
}

/** the q-quantile of sorted values, linear between neighbours */
function quantile(sorted: number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower] as number;
  const b = sorted[upper] as number;
  return a + (b - a) * (position - lower);
}

export function quantileScheme(values: IndicatorValue[], format: (n: number) => string, classCount = palette.length): ClassScheme {
  const sorted = values
    .map((v) => v.value)
    .filter((v): v is number => v !== null && Number.isFinite(v))
    .sort((a, b) => a - b);
  const breaks: number[] = [];
  if (sorted.length > 0) {
    for (let i = 1; i < classCount; i++) breaks.push(quantile(sorted, i / classCount));
  }
  // equal breaks (few distinct values) collapse classes; keep them distinct and ascending
  const distinct = [...new Set(breaks)];
  const count = sorted.length === 0 ? 0 : distinct.length + 1;
  const colours = count === 0 ? [] : spread(count);
  const labels: string[] = [];
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  for (let i = 0; i < count; i++) {
    const from = i === 0 ? min : distinct[i - 1];
    const to = i === count - 1 ? max : distinct[i];
    labels.push(`${format(from as number)} – ${format(to as number)}`);
  }
  return {
    kind: 'quantiles',
    breaks: distinct,
    colours,
    labels,
    classOf(value) {
      if (value.value === null || !Number.isFinite(value.value)) return null;
      let index = 0;
      while (index < distinct.length && value.value > (distinct[index] as number)) index++;
      return index;
    },
  };
}

/** n colours of the palette, spread from light to dark */
function spread(n: number): string[] {
  if (n >= palette.length) return [...palette];
  if (n === 1) return [palette[2]];
  return Array.from({ length: n }, (_, i) => palette[Math.round((i * (palette.length - 1)) / (n - 1))] as string);
}

/** the index groups the API assigns (class 1..n with its label), in order */
export function groupScheme(values: IndicatorValue[]): ClassScheme {
  const groups = new Map<number, string>();
  for (const v of values) if (v.class !== null) groups.set(v.class, v.classLabel ?? String(v.class));
  const ordered = [...groups.entries()].sort((a, b) => a[0] - b[0]);
  const position = new Map(ordered.map(([cls], i) => [cls, i]));
  return {
    kind: 'groups',
    breaks: [],
    colours: spread(ordered.length),
    labels: ordered.map(([, label]) => label),
    classOf: (value) => (value.class === null ? null : (position.get(value.class) ?? null)),
  };
}

/** index groups where the API classes the values (status index), quantiles otherwise */
export function schemeFor(values: IndicatorValue[], format: (n: number) => string): ClassScheme {
  return values.some((v) => v.class !== null) ? groupScheme(values) : quantileScheme(values, format);
}
