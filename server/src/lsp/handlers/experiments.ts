/**
 * `Experiments.*`: one tenant's experiments through its TenantScope, with the same rules as the
 * v1 REST API (reserved tags refused, the description kept in MLflow's note tag, no changes to an
 * archived experiment, archive/restore idempotent), answered as ExperimentViews.
 */
import { Experiments } from '../../../../protocol/src/index.ts';
import { refuseReservedTags } from '../../api/v1/experiments-routes.ts';
import { DESCRIPTION_TAG } from '../../api/v1/present.ts';
import type { TrackingBackend } from '../../tracking/backend.ts';
import { invalid } from '../../tracking/errors.ts';
import { validateExperimentTag, validateKey } from '../../tracking/validation.ts';
import { experimentView } from '../present.ts';
import type { Requests } from '../register.ts';
import type { DaemonSession } from '../session.ts';

export function registerExperimentRequests(requests: Requests, session: DaemonSession): void {
  requests.on(Experiments.list, (p) =>
    session.use(async (l) => {
      const page = await l.tenants.scope(p.tenant).searchExperiments({
        maxResults: p.maxResults,
        viewType: p.showArchived ? 'ALL' : 'ACTIVE_ONLY',
        ...(p.filter?.trim() ? { filter: p.filter } : {}),
        ...(p.orderBy?.length ? { orderBy: p.orderBy } : {}),
        ...(p.pageToken ? { pageToken: p.pageToken } : {}),
      });
      return { items: page.items.map(experimentView), ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
    }),
  );

  requests.on(Experiments.get, (p) =>
    session.use(async (l) => experimentView(await l.tenants.scope(p.tenant).getExperiment(p.experimentId))),
  );

  requests.on(Experiments.create, (p) =>
    session.use(async (l) => {
      const scope = l.tenants.scope(p.tenant);
      const tags = p.tags ?? {};
      refuseReservedTags(tags, 'tags');
      const id = await scope.createExperiment({
        name: p.name,
        tags: p.description ? { ...tags, [DESCRIPTION_TAG]: p.description } : tags,
      });
      return experimentView(await scope.getExperiment(id));
    }),
  );

  requests.on(Experiments.update, (p) =>
    session.use(async (l) => {
      const scope = l.tenants.scope(p.tenant);
      const id = p.experimentId;
      const current = await scope.getExperiment(id);
      const tags = p.tags ?? {};
      refuseReservedTags(tags, 'tags');
      if (current.lifecycleStage !== 'active') {
        throw invalid(`experiment ${id} is archived; restore it before changing it`, 'experimentId');
      }
      // The changes are several backend writes: check them all before the first one.
      if (p.description) validateExperimentTag(DESCRIPTION_TAG, p.description, 'description');
      for (const [key, value] of Object.entries(tags)) {
        validateKey('experiment tag', key, `tags.${key}`);
        if (value !== null) validateExperimentTag(key, value, `tags.${key}`);
      }
      if (p.name !== undefined && p.name !== current.name) await scope.renameExperiment(id, p.name);
      if (p.description !== undefined) await setOrDelete(scope, id, DESCRIPTION_TAG, p.description || null, current.tags);
      for (const [key, value] of Object.entries(tags)) await setOrDelete(scope, id, key, value, current.tags);
      return experimentView(await scope.getExperiment(id));
    }),
  );

  for (const [def, target] of [
    [Experiments.archive, 'deleted'],
    [Experiments.restore, 'active'],
  ] as const) {
    requests.on(def, (p) =>
      session.use(async (l) => {
        const scope = l.tenants.scope(p.tenant);
        const e = await scope.getExperiment(p.experimentId);
        // Asking for the stage it already has is not an error: it is already done.
        if (e.lifecycleStage !== target) {
          await (target === 'deleted' ? scope.deleteExperiment(p.experimentId) : scope.restoreExperiment(p.experimentId));
        }
        return experimentView(await scope.getExperiment(p.experimentId));
      }),
    );
  }
}

async function setOrDelete(scope: TrackingBackend, id: string, key: string, value: string | null, current: Record<string, string>) {
  if (value !== null) await scope.setExperimentTag(id, key, value);
  else if (key in current) await scope.deleteExperimentTag(id, key);
}
