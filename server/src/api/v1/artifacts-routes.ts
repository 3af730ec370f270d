/**
 * A run's files over the v1 API, through services/artifacts.ts (tenancy, path safety, limits):
 * list a folder with sizes, download a file (streamed, as an attachment), upload one from a raw
 * body (streamed; the size limit is checked on Content-Length before a byte is read, and again
 * as bytes arrive) and delete a file or folder. Works the same on every store (local folder,
 * S3, an MLflow server's artifact proxy).
 */
import { z } from 'zod';
import { declaredLength } from '../../http/body.ts';
import { HttpError } from '../../http/errors.ts';
import { downloadHeaders } from '../../services/artifact-content-type.ts';
import { type ArtifactService, ArtifactTooLargeError } from '../../services/artifacts.ts';
import { type ApiRoute, Reply, type V1Deps, route } from './route-kit.ts';

const ARTIFACTS = '/api/v1/experiments/runs/{run_id}/artifacts';
const FILE = `${ARTIFACTS}/{path}`;

export const ArtifactListQuery = z.strictObject({
  path: z.string().max(1024).default('').describe("The folder to list, relative to the run's artifact root ('' for the root)"),
});

export const ArtifactEntry = z.object({
  path: z.string().describe("Relative to the run's artifact root, e.g. model/MLmodel"),
  is_dir: z.boolean(),
  size: z.number().int().nullable().describe('Bytes; null for folders'),
});

export const ArtifactList = z.object({
  run_id: z.string(),
  path: z.string(),
  artifacts: z.array(ArtifactEntry),
});

export const ArtifactWritten = z.object({
  run_id: z.string(),
  path: z.string(),
  size: z.number().int(),
});

function service(deps: V1Deps): ArtifactService {
  if (!deps.artifacts) throw new HttpError(501, 'not_implemented', 'This daemon serves no artifacts');
  return deps.artifacts;
}

/** 413 for an upload over the limit, whichever layer noticed; everything else as it came. */
function tooLargeAs413(err: unknown): never {
  if (err instanceof ArtifactTooLargeError) {
    throw new HttpError(413, 'payload_too_large', `Artifact exceeds the upload limit of ${err.limitBytes} bytes`, 'body');
  }
  throw err;
}

export const artifactRoutes: ApiRoute[] = [
  route({
    method: 'GET',
    path: ARTIFACTS,
    summary: "List a folder of a run's artifacts (query: path), with sizes",
    tenant: true,
    query: ArtifactListQuery,
    response: ArtifactList,
    status: 200,
    async handle({ scope, params, query }, deps) {
      const runId = params.run_id!;
      const entries = await service(deps).list(scope, runId, query.path);
      return {
        run_id: runId,
        path: query.path,
        artifacts: entries.map((e) => ({ path: e.path, is_dir: e.isDir, size: e.isDir ? null : (e.size ?? null) })),
      };
    },
  }),
  route({
    method: 'GET',
    path: FILE,
    summary: 'Download one artifact file (streamed, as an attachment)',
    tenant: true,
    restParam: 'path',
    binaryResponse: true,
    status: 200,
    async handle({ scope, params, request }, deps) {
      const file = await service(deps).read(scope, params.run_id!, params.path!, request.signal);
      return new Reply({
        status: 200,
        body: file.body,
        headers: downloadHeaders(file),
      });
    },
  }),
  route({
    method: 'PUT',
    path: FILE,
    summary: 'Upload (or replace) one artifact file from the raw request body',
    tenant: true,
    restParam: 'path',
    rawBody: (deps) => service(deps).limits.maxUploadBytes,
    response: ArtifactWritten,
    status: 201,
    async handle({ scope, params, request }, deps) {
      const runId = params.run_id!;
      const size = declaredLength(request.headers);
      const written = await service(deps)
        .write(scope, runId, params.path!, request.stream(), { size, signal: request.signal })
        .catch(tooLargeAs413);
      return { run_id: runId, path: written.path, size: written.size };
    },
  }),
  route({
    method: 'DELETE',
    path: FILE,
    summary: 'Delete an artifact file, or a folder with everything under it',
    tenant: true,
    restParam: 'path',
    status: 204,
    async handle({ scope, params }, deps) {
      await service(deps).delete(scope, params.run_id!, params.path!);
    },
  }),
];
