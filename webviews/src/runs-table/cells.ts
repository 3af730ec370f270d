/**
 * One table cell per (run, column), built as DOM nodes with text content only: run names,
 * params, tags and metric values are user data, so nothing here parses HTML. Long values are cut
 * by CSS (ellipsis); the `title` attribute carries the whole value, as text.
 */
import type { RunsTableRow } from '../../../protocol/src/index.ts';
import type { PlacedColumn } from './columns.ts';
import { el } from '../shared/dom.ts';
import { formatDurationMs, formatMetric, formatTime } from './format.ts';

const STATUS_WORDS = { running: 'Running', scheduled: 'Scheduled', finished: 'Finished', failed: 'Failed', killed: 'Killed' } as const;

/** A run's display name: its name, or the start of its id. */
export function runName(row: Pick<RunsTableRow, 'id' | 'name'>): string {
  return row.name !== null && row.name !== '' ? row.name : `Run ${row.id.slice(0, 8)}`;
}

export function renderCell(row: RunsTableRow, c: PlacedColumn, now: number): HTMLElement {
  const cell = el('div', c.numeric ? 'cell numeric' : 'cell');
  cell.setAttribute('role', 'gridcell');
  cell.style.width = `${c.width}px`;
  let text = '';
  let title: string | undefined;
  const column = c.column;
  switch (column.kind) {
    case 'attr':
      switch (column.key) {
        case 'name':
          text = runName(row);
          title = `${text}${row.archived ? ' (archived)' : ''}\n${row.id}`;
          if (row.name === null || row.name === '') cell.classList.add('muted');
          break;
        case 'status': {
          cell.classList.add(`status`, `status-${row.status}`);
          cell.append(el('span', 'dot'));
          text = STATUS_WORDS[row.status] + (row.archived ? ' · archived' : '');
          break;
        }
        case 'start':
          text = formatTime(row.startTime);
          break;
        case 'end':
          text = formatTime(row.endTime);
          break;
        case 'duration':
          text = formatDurationMs((row.endTime ?? now) - row.startTime);
          if (row.endTime === null) title = 'so far';
          break;
        case 'user':
          text = row.user ?? '–';
          break;
      }
      break;
    case 'param': {
      const v = row.params[column.key];
      text = v ?? '–';
      if (v !== undefined) title = v;
      break;
    }
    case 'metric': {
      const v = row.metrics[column.key];
      text = v === undefined ? '–' : formatMetric(v);
      if (v !== undefined) title = v === null ? 'NaN' : String(v);
      break;
    }
    case 'tag': {
      const v = row.tags[column.key];
      text = v ?? '–';
      if (v !== undefined) title = v;
      break;
    }
  }
  if (text === '–') cell.classList.add('muted');
  cell.append(el('span', 'text', text));
  if (title !== undefined) cell.title = title;
  return cell;
}
