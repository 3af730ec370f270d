import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBackend } from '../../server/src/tracking/embedded/embedded-backend.ts';
import { runModelsContract } from './models-contract.ts';

runModelsContract('embedded SQLite store', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'matih-models-contract-'));
  const backend = EmbeddedBackend.open({ dataDir });
  return {
    backend,
    cleanup: async () => {
      await backend.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});
