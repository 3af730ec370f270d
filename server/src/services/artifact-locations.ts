/**
 * Where a new experiment's artifacts go, decided once for every surface: a decorator around one
 * tenant's backend (applied in daemon.ts beside the live publishing one), so the v1 API, the
 * MLflow-compatible API and the LSP all create experiments under the same rules.
 *
 *  - No location given, embedded store, default destination: the store's own
 *    `<data dir>/artifacts/<experiment id>`, as before.
 *  - No location given, embedded store, a configured destination (`s3://bucket/prefix` or a
 *    folder): `<destination>/<tenant>/<random id>`. Such a destination may be shared by several
 *    daemons, each with its own store whose experiment ids all start at 1, so the id of one store
 *    would collide with another's; a random folder never does, and the tenant prefix lets an
 *    operator grant per-tenant bucket policies.
 *  - No location given, MLflow backend: the server decides (normally `mlflow-artifacts:/<id>`).
 *  - A location given by the caller: it must lie inside a root this daemon serves (the data
 *    directory's artifacts folder, a local destination, the S3 destination; `mlflow-artifacts:`
 *    only in front of an MLflow server, which maps it into its own destination), else 400 naming
 *    `artifact_location`. Otherwise a tenant could point the daemon's own credentials at any folder
 *    or bucket they reach.
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ResolvedArtifactConfig } from '../config/artifact-config.ts';
import type { TrackingBackend } from '../tracking/backend.ts';
import { invalid } from '../tracking/errors.ts';
import type { CreateExperimentInput } from '../tracking/types.ts';

const FIELD = 'artifact_location';

export function withArtifactLocations<B extends TrackingBackend>(
  backend: B,
  tenant: string,
  config: ResolvedArtifactConfig,
  backendKind: 'embedded' | 'mlflow',
): B {
  const createExperiment = async (input: CreateExperimentInput): Promise<string> => {
    const given = input.artifactLocation?.trim();
    if (given) return backend.createExperiment({ ...input, artifactLocation: checkLocation(given, config, backendKind) });
    if (backendKind === 'embedded' && !config.isDefault) {
      return backend.createExperiment({ ...input, artifactLocation: `${config.destination}/${tenant}/${randomBytes(16).toString('hex')}` });
    }
    return backend.createExperiment(input);
  };
  return new Proxy(backend, {
    get(target, prop) {
      if (prop === 'createExperiment') return createExperiment;
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The location as it will be stored (an absolute path becomes a `file:` URI), or a 400. */
export function checkLocation(location: string, config: ResolvedArtifactConfig, backendKind: 'embedded' | 'mlflow'): string {
  const refuse = (why: string) =>
    invalid(`artifact_location ${JSON.stringify(location.slice(0, 300))} ${why}; leave it out to use the daemon's artifact destination (${config.destination})`, FIELD);
  if (location.length > 2048) throw refuse('is longer than 2048 characters');
  if (isAbsolute(location) && !location.includes(':')) return checkLocal(resolve(location), config, refuse);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location)?.[1]?.toLowerCase();
  if (scheme === 'file') {
    let path: string;
    try {
      path = fileURLToPath(location);
    } catch {
      throw refuse('is not a valid file: URI');
    }
    return checkLocal(resolve(path), config, refuse);
  }
  if (scheme === 's3') {
    if (!config.destination.startsWith('s3://')) throw refuse('is in S3, but this daemon keeps artifacts in a local folder');
    const clean = location.replace(/\/+$/, '');
    if (/[?#\\]/.test(clean) || clean.split('/').slice(3).some((s) => s === '..' || s === '.')) throw refuse('is not a plain s3://bucket/prefix');
    if (clean !== config.destination && !clean.startsWith(`${config.destination}/`)) throw refuse(`is not inside ${config.destination}`);
    return clean;
  }
  if (scheme === 'mlflow-artifacts') {
    if (backendKind !== 'mlflow') throw refuse('needs an MLflow server behind the daemon');
    if (!/^mlflow-artifacts:\/[^/]/.test(location) || /[?#\\]/.test(location) || location.split('/').some((s) => s === '..')) {
      throw refuse('must be mlflow-artifacts:/<path>, without a host, query or ".." segments');
    }
    return location;
  }
  throw refuse(scheme ? `uses the '${scheme}:' scheme, which this daemon does not serve` : 'is neither an absolute folder nor a URI');
}

function checkLocal(path: string, config: ResolvedArtifactConfig, refuse: (why: string) => Error): string {
  const inside = config.localRoots.some((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep));
  if (!inside) throw refuse(`is outside the folders this daemon keeps artifacts in (${config.localRoots.join(', ')})`);
  return pathToFileURL(path).href;
}
