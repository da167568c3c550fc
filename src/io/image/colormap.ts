/**
 * Colormaps for heatmaps: small anchor tables, linearly interpolated.
 * `viridis` (matplotlib's perceptually uniform default, 9 anchors) and `jet` (the classic rainbow).
 */

/** Available colormaps. */
export type ColormapName = 'viridis' | 'jet';

type Rgb = readonly [number, number, number];

const TABLES: Readonly<Record<ColormapName, readonly Rgb[]>> = {
  viridis: [
    [68, 1, 84],
    [72, 40, 120],
    [62, 73, 137],
    [49, 104, 142],
    [38, 130, 142],
    [31, 158, 137],
    [53, 183, 121],
    [110, 206, 88],
    [253, 231, 37],
  ],
  jet: [
    [0, 0, 128],
    [0, 0, 255],
    [0, 128, 255],
    [0, 255, 255],
    [128, 255, 128],
    [255, 255, 0],
    [255, 128, 0],
    [255, 0, 0],
    [128, 0, 0],
  ],
};

/** The colour (RGB 0..255, fractional) for `t` in [0, 1] (clamped; NaN reads as 0). */
export function colormap(name: ColormapName, t: number): [number, number, number] {
  const table = TABLES[name];
  const x = (t > 1 ? 1 : t >= 0 ? t : 0) * (table.length - 1);
  const i = Math.min(table.length - 2, Math.floor(x));
  const f = x - i;
  const a = table[i] ?? [0, 0, 0];
  const b = table[i + 1] ?? a;
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}
