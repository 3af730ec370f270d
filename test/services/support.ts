import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunContext } from '../../server/src/services/runs.ts';
import { TenantScope } from '../../server/src/tenancy/tenant-scope.ts';
import { EmbeddedBackend } from '../../server/src/tracking/embedded/embedded-backend.ts';
import { TrackingError } from '../../server/src/tracking/errors.ts';

/** A tenant's scope over a fresh embedded store, as the surfaces hand it to the services. */
export interface ServiceFixture {
  backend: EmbeddedBackend;
  /** Tenant `acme`. */
  ctx: RunContext;
  /** Tenant `globex`, over the same store. */
  other: RunContext;
  close(): Promise<void>;
}

export function openFixture(): ServiceFixture {
  const dir = mkdtempSync(join(tmpdir(), 'matih-services-'));
  const backend = EmbeddedBackend.open({ dataDir: dir });
  // A stand-in lister: the services must answer with whatever it lists for the run.
  const listArtifacts = async (uri: string) => (uri ? ['model/model.pkl'] : []);
  return {
    backend,
    ctx: { scope: new TenantScope(backend, 'acme'), listArtifacts },
    other: { scope: new TenantScope(backend, 'globex'), listArtifacts },
    async close() {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Asserts a TrackingError with this message pattern and field. */
export function refusal(message: RegExp, field: string | undefined) {
  return (err: unknown): boolean =>
    err instanceof TrackingError && err.code === 'INVALID_PARAMETER_VALUE' && message.test(err.message) && err.field === field;
}
