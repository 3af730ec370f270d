/**
 * Sorting the loaded rows, pure so it is unit tested. The daemon sorts whatever MLflow can order
 * by (`orderByFor` in the protocol); the page sorts the rows it holds only by the derived columns
 * (duration, user), and keeps that order as more pages arrive. Either way rows without a value
 * go last, whichever the direction, as MLflow orders missing metrics.
 */
import { orderByFor } from '../../../protocol/src/index.ts';
import type { RunsTableColumn, RunsTableRow, RunsTableSort } from '../../../protocol/src/index.ts';

export type CellValue = string | number | null;

/** The value a column shows for a row, as it sorts: numbers for times and metrics, strings else. */
export function cellValue(row: RunsTableRow, column: RunsTableColumn, now: number): CellValue {
  switch (column.kind) {
    case 'attr':
      switch (column.key) {
        case 'name':
          return row.name;
        case 'status':
          return row.status;
        case 'start':
          return row.startTime;
        case 'end':
          return row.endTime;
        case 'duration':
          return Math.max(0, (row.endTime ?? now) - row.startTime);
        case 'user':
          return row.user;
      }
      break;
    case 'param':
      return row.params[column.key] ?? null;
    case 'metric':
      return row.metrics[column.key] ?? null;
    case 'tag':
      return row.tags[column.key] ?? null;
  }
  return null;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Orders two values ascending; numbers before strings when a column mixes them. */
export function compareValues(a: Exclude<CellValue, null>, b: Exclude<CellValue, null>): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return collator.compare(a, b);
}

/** True when the daemon orders by this sort; false when the page sorts its loaded rows. */
export function sortedByDaemon(sort: RunsTableSort | null): boolean {
  return sort === null || orderByFor(sort) !== undefined;
}

/**
 * `rows` in the sort's order (a new array; stable, so rows with equal values keep the daemon's
 * order). Missing values go last in either direction.
 */
export function sortRows(rows: readonly RunsTableRow[], sort: RunsTableSort, now: number): RunsTableRow[] {
  const keyed = rows.map((row, index) => ({ row, index, value: cellValue(row, sort.column, now) }));
  const sign = sort.descending ? -1 : 1;
  keyed.sort((x, y) => {
    if (x.value === null || y.value === null) {
      if (x.value === y.value) return x.index - y.index;
      return x.value === null ? 1 : -1;
    }
    return sign * compareValues(x.value, y.value) || x.index - y.index;
  });
  return keyed.map((k) => k.row);
}

/** Metrics and times sort largest / newest first on the first click; everything else A to Z. */
function firstDescending(column: RunsTableColumn): boolean {
  return column.kind === 'metric' || (column.kind === 'attr' && (column.key === 'start' || column.key === 'end' || column.key === 'duration'));
}

/** The next sort when a column header is activated: its first direction, then the other, then none. */
export function nextSort(current: RunsTableSort | null, column: RunsTableColumn): RunsTableSort | null {
  const same = current !== null && current.column.kind === column.kind && current.column.key === column.key;
  if (!same) return { column, descending: firstDescending(column) };
  if (current.descending === firstDescending(column)) return { column, descending: !current.descending };
  return null;
}
