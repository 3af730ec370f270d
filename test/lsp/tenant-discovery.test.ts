import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { discoverTenants } from '../../server/src/lsp/handlers/tenants.ts';
import { TenantScope } from '../../server/src/tenancy/tenant-scope.ts';
import { EmbeddedBackend } from '../../server/src/tracking/embedded/embedded-backend.ts';

/** Tenant discovery on the unscoped backend, page by page, in process. */
test('tenants are found page by page, archived experiments included, strays ignored', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'matih-discovery-'));
  const backend = EmbeddedBackend.open({ dataDir });
  try {
    for (const [tenant, names] of [
      ['acme', ['a1', 'a2', 'a3']],
      ['globex', ['g1']],
      ['initech', ['i1']],
    ] as const) {
      const scope = new TenantScope(backend, tenant);
      for (const name of names) await scope.createExperiment({ name });
    }
    const archived = await new TenantScope(backend, 'umbrella').createExperiment({ name: 'old' });
    await backend.deleteExperiment(archived);
    // A tag that names a tenant whose prefix the name lacks, and an invalid tenant id: neither counts.
    await backend.createExperiment({ name: 'no-prefix', tags: { 'matih.tenant_id': 'mallory' } });
    await backend.createExperiment({ name: 'Bad Tenant/x', tags: { 'matih.tenant_id': 'Bad Tenant' } });
    await backend.createExperiment({ name: 'untagged' });

    const all = await discoverTenants(backend, { pageSize: 2, maxPages: 10 });
    // Oldest first, so each tenant appears in the order its first experiment was made.
    assert.deepEqual(all, { tenants: ['acme', 'globex', 'initech', 'umbrella'], complete: true });
    assert.deepEqual(await discoverTenants(backend, { pageSize: 2, maxPages: 2 }), { tenants: ['acme', 'globex'], complete: false });
  } finally {
    await backend.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
