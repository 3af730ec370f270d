/**
 * The run filter and order of one experiment. The filter is checked by the daemon
 * (`Validate.runFilter`) while the user types, so a bad clause is flagged before it empties the
 * tree; the order is picked from common choices and the loaded runs' metrics, or typed.
 */
import { window } from 'vscode';
import type { Disposable, QuickPickItem } from 'vscode';
import { Validate } from '../../../protocol/src/index.ts';
import { readableError } from '../util/errors.ts';
import { orderChoices, parseOrderBy } from '../util/runQuery.ts';
import type { RunQuery } from '../util/runQuery.ts';
import type { ExperimentNode } from '../views/nodes/experimentNode.ts';
import { Commands } from './ids.ts';
import { ask, register } from './shared.ts';
import type { CommandDeps } from './shared.ts';

async function save(deps: CommandDeps, node: ExperimentNode, query: RunQuery): Promise<void> {
  await deps.tree.queries.set(node.tenant, node.experiment.id, query);
  deps.tree.refresh(node);
  // Show the result: a filter on a collapsed experiment would otherwise look like it did nothing.
  await deps.tree.view.reveal(node, { expand: true, select: true, focus: false }).then(undefined, () => undefined);
}

async function filterRuns(deps: CommandDeps, node: ExperimentNode): Promise<void> {
  const current = node.query;
  const filter = await ask({
    title: `Filter Runs of "${node.experiment.name}"`,
    prompt: "MLflow filter syntax, e.g. metrics.accuracy > 0.9 and params.model = 'xgboost'. Empty shows all runs.",
    value: current.filter ?? '',
    placeHolder: "metrics.accuracy > 0.9 and params.model = 'xgboost'",
    check: async (value) => {
      if (value.trim() === '') return undefined;
      try {
        const result = await deps.daemon.request(Validate.runFilter, { filter: value });
        return result.ok ? undefined : result.message;
      } catch (error) {
        // The daemon could not check it (restarting?): let the user go on; listing runs will say
        // what is wrong with the filter, if anything.
        deps.log.debug(`Filter check skipped: ${readableError(error)}`);
        return undefined;
      }
    },
  });
  if (filter === undefined) return;
  const next: RunQuery = { ...current };
  if (filter.trim() === '') delete next.filter;
  else next.filter = filter.trim();
  await save(deps, node, next);
}

interface OrderItem extends QuickPickItem {
  orderBy: string[] | undefined;
  custom?: boolean;
}

async function orderRuns(deps: CommandDeps, node: ExperimentNode): Promise<void> {
  const current = node.query;
  const currentText = current.orderBy?.join(', ');
  const items: OrderItem[] = orderChoices(node.metricKeys()).map((choice) => {
    const selected = (choice.orderBy?.join(', ') ?? undefined) === currentText;
    return {
      label: `${selected ? '$(check) ' : ''}${choice.label}`,
      description: choice.description,
      orderBy: choice.orderBy,
    };
  });
  items.push({ label: '$(edit) Custom…', description: 'type an order_by clause', orderBy: undefined, custom: true });
  const picked = await window.showQuickPick(items, {
    title: `Order Runs of "${node.experiment.name}"`,
    placeHolder: 'Order runs by…',
    matchOnDescription: true,
  });
  if (picked === undefined) return;
  let orderBy = picked.orderBy;
  if (picked.custom === true) {
    const text = await ask({
      title: `Order Runs of "${node.experiment.name}"`,
      prompt: 'Comma-separated columns with ASC or DESC, e.g. metrics.accuracy DESC, start_time',
      value: currentText ?? '',
      check: (value) => {
        const parsed = parseOrderBy(value);
        return parsed.ok ? undefined : parsed.message;
      },
    });
    if (text === undefined) return;
    const parsed = parseOrderBy(text);
    if (!parsed.ok) return;
    orderBy = parsed.orderBy;
  }
  const next: RunQuery = { ...current };
  if (orderBy === undefined) delete next.orderBy;
  else next.orderBy = orderBy;
  await save(deps, node, next);
}

export function registerRunQueryCommands(deps: CommandDeps): Disposable[] {
  return [
    register(deps, Commands.filterRuns, (node?: ExperimentNode) => node && filterRuns(deps, node)),
    register(deps, Commands.orderRuns, (node?: ExperimentNode) => node && orderRuns(deps, node)),
    register(deps, Commands.clearRunQuery, (node?: ExperimentNode) => node && save(deps, node, {})),
  ];
}
