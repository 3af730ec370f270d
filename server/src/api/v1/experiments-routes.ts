import type { ExperimentView } from '../../../../protocol/src/index.ts';
import * as experiments from '../../services/experiments.ts';
import * as runs from '../../services/runs.ts';
import type { TrackingBackend } from '../../tracking/backend.ts';
import { toExperimentList, toExperimentResponse, toRunList } from './present.ts';
import { fromListQuery } from './query.ts';
import { type ApiRoute, route, runContext } from './route-kit.ts';
import { ExperimentCreate, ExperimentList, ExperimentResponse, ExperimentUpdate, ListQuery, RunList } from './schemas.ts';

const EXPERIMENT = '/api/v1/experiments/{experiment_id}';

/** The seed's experiment lifecycle over services/experiments.ts: create, read, list, update, archive, restore. */
export const experimentRoutes: ApiRoute[] = [
  route({
    method: 'POST',
    path: '/api/v1/experiments',
    summary: 'Create an experiment',
    tenant: true,
    body: ExperimentCreate,
    response: ExperimentResponse,
    status: 201,
    async handle({ scope, body }) {
      const { artifact_location, ...rest } = body;
      return toExperimentResponse(await experiments.create(scope, { ...rest, artifactLocation: artifact_location ?? undefined }));
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/experiments',
    summary: "List the tenant's experiments (MLflow filter syntax, order, paging)",
    tenant: true,
    query: ListQuery,
    response: ExperimentList,
    status: 200,
    async handle({ scope, query }) {
      return toExperimentList(await experiments.list(scope, fromListQuery(query)));
    },
  }),
  experimentRoute('GET', EXPERIMENT, 'Get an experiment', experiments.get),
  route({
    method: 'PATCH',
    path: EXPERIMENT,
    summary: 'Rename an experiment, change its description, set or remove tags (null removes)',
    tenant: true,
    body: ExperimentUpdate,
    response: ExperimentResponse,
    status: 200,
    async handle({ scope, params, body }) {
      return toExperimentResponse(await experiments.update(scope, params.experiment_id!, body));
    },
  }),
  experimentRoute('POST', `${EXPERIMENT}/archive`, 'Archive (soft-delete) an experiment and its runs', experiments.archive),
  experimentRoute('DELETE', EXPERIMENT, 'Archive (soft-delete) an experiment; the same as POST .../archive', experiments.archive),
  experimentRoute('POST', `${EXPERIMENT}/restore`, 'Restore an archived experiment and its runs', experiments.restore),
  route({
    method: 'GET',
    path: `${EXPERIMENT}/runs`,
    summary: "List an experiment's runs (MLflow filter syntax, order, paging)",
    tenant: true,
    query: ListQuery,
    response: RunList,
    status: 200,
    async handle(call, deps) {
      return toRunList(await runs.list(runContext(call, deps), call.params.experiment_id!, fromListQuery(call.query)));
    },
  }),
];

/** A bodiless request on one experiment that answers with the experiment as it is afterwards. */
function experimentRoute(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  summary: string,
  act: (scope: TrackingBackend, experimentId: string) => Promise<ExperimentView>,
): ApiRoute {
  return route({
    method,
    path,
    summary,
    tenant: true,
    response: ExperimentResponse,
    status: 200,
    async handle({ scope, params }) {
      return toExperimentResponse(await act(scope, params.experiment_id!));
    },
  });
}
