/**
 * The maths of the table's virtual rows, pure so it is unit tested: which rows a viewport shows
 * (plus a few either side, so a fast scroll never shows a blank band), and where to scroll to
 * bring a row into view under the sticky header. Rows have one fixed height.
 */

export interface VirtualWindow {
  /** First row in the DOM. */
  first: number;
  /** One past the last row in the DOM. */
  end: number;
  /** Pixels from the top of the rows' area to the first row. */
  offset: number;
  /** Height of all rows: the spacer that gives the scrollbar its length. */
  total: number;
}

export interface Viewport {
  /** The scroll container's `scrollTop`. */
  scrollTop: number;
  /** The scroll container's `clientHeight`, header included. */
  height: number;
  /** The sticky header's height (rows start below it). */
  header: number;
  rowHeight: number;
}

/** Rows in the DOM for `viewport` over `count` rows, with `overscan` rows above and below. */
export function virtualWindow(viewport: Viewport, count: number, overscan = 8): VirtualWindow {
  const { rowHeight } = viewport;
  if (!(rowHeight > 0)) throw new Error('rowHeight must be positive');
  const total = Math.max(0, count) * rowHeight;
  if (count <= 0) return { first: 0, end: 0, offset: 0, total: 0 };
  const top = Math.max(0, viewport.scrollTop);
  const visible = Math.max(0, viewport.height - viewport.header);
  const firstVisible = Math.min(count - 1, Math.floor(top / rowHeight));
  const endVisible = Math.min(count, Math.ceil((top + visible) / rowHeight));
  const first = Math.max(0, firstVisible - overscan);
  const end = Math.min(count, Math.max(endVisible, firstVisible + 1) + overscan);
  return { first, end, offset: first * rowHeight, total };
}

/** The `scrollTop` that shows row `index` whole (unchanged when it is in view already). */
export function revealRow(viewport: Viewport, index: number): number {
  const { rowHeight } = viewport;
  const rowTop = index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  const visible = Math.max(rowHeight, viewport.height - viewport.header);
  if (rowTop < viewport.scrollTop) return rowTop;
  if (rowBottom > viewport.scrollTop + visible) return rowBottom - visible;
  return viewport.scrollTop;
}

/** Rows one Page Up / Page Down moves: a screenful less one, at least one. */
export function pageRows(viewport: Viewport): number {
  return Math.max(1, Math.floor((viewport.height - viewport.header) / viewport.rowHeight) - 1);
}

/**
 * The columns (sorted by `left`, laid side by side) that overlap the x range `[from, to)`, with
 * `overscan` more either side: only those get cells.
 */
export function visibleColumnRange<T extends { left: number; width: number }>(columns: readonly T[], from: number, to: number, overscan = 1): T[] {
  const lo = columns.findIndex((c) => c.left + c.width > from);
  if (lo < 0) return [];
  let hi = lo;
  while (hi < columns.length && columns[hi]!.left < to) hi++;
  return columns.slice(Math.max(0, lo - overscan), Math.min(columns.length, Math.max(hi, lo + 1) + overscan));
}
