/** How the lens, the hover and the hover's chart write a number. Pure. */

/** A value as the lens shows it: integers as is, otherwise four significant digits. */
export function formatValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (Number.isInteger(value) && Math.abs(value) < 1e9) return String(value);
  const rounded = Number(value.toPrecision(4));
  // Rounding up near Number.MAX_VALUE overflows to Infinity: keep the digits then.
  return Number.isFinite(rounded) ? String(rounded) : value.toPrecision(4);
}
