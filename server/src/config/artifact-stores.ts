/**
 * The stores a daemon's artifact service reads and writes through, built from its artifact
 * config and its tracking backend (artifacts/resolver.ts picks one by URI scheme): `file:` under
 * the allowed local roots, `s3:` with the configured endpoint, region, addressing and credentials,
 * and `mlflow-artifacts:` through the MLflow server behind the daemon, with its credentials and,
 * with workspaces, the tenant's workspace.
 */
import { ArtifactStores } from '../artifacts/resolver.ts';
import type { ArtifactStore } from '../artifacts/store.ts';
import type { ArtifactStoreResolver } from '../services/artifacts.ts';
import type { ResolvedArtifactConfig } from './artifact-config.ts';
import { type BackendConfig, workspaceFor } from './backend-config.ts';

export interface DaemonArtifactStores extends ArtifactStoreResolver {
  close(): Promise<void>;
}

export function createArtifactStores(config: ResolvedArtifactConfig, backend: BackendConfig): DaemonArtifactStores {
  const { s3 } = config;
  const stores = new ArtifactStores({
    localRoots: config.localRoots,
    s3: {
      ...(s3.endpointUrl ? { endpoint: s3.endpointUrl } : {}),
      ...(s3.region ? { region: s3.region } : {}),
      ...(s3.pathStyle !== undefined ? { forcePathStyle: s3.pathStyle } : {}),
      ...(s3.credentials ? { credentials: s3.credentials } : {}),
    },
    ...(backend.kind === 'mlflow' ? { mlflow: { uri: backend.uri, ...(backend.auth ? { auth: backend.auth } : {}) } } : {}),
  });
  return {
    storeFor(uri: string, tenant?: string): ArtifactStore {
      // With workspaces the proxy must name the tenant's workspace; workspaceFor refuses an unmapped tenant.
      const workspace = backend.kind === 'mlflow' && backend.workspaces && tenant !== undefined ? workspaceFor(tenant, backend.workspaces) : undefined;
      return stores.storeFor(uri, workspace !== undefined ? { workspace } : {});
    },
    close: () => stores.close(),
  };
}
