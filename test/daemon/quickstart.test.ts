import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startCliDaemon } from '../support/cli.ts';

const sh = promisify(execFile);

// The seed document's Quick Start, copied verbatim; only <experiment-id> is filled in.
const CREATE_EXPERIMENT = `curl -X POST http://localhost:8000/api/v1/experiments \\
  -H "Content-Type: application/json" \\
  -H "X-Tenant-ID: acme-corp" \\
  -d '{
    "name": "churn-prediction-v2",
    "description": "Customer churn prediction with gradient boosting",
    "tags": {"team": "data-science", "domain": "retention"}
  }'`;

const CREATE_RUN = `curl -X POST http://localhost:8000/api/v1/experiments/runs \\
  -H "Content-Type: application/json" \\
  -H "X-Tenant-ID: acme-corp" \\
  -d '{
    "experiment_id": "<experiment-id>",
    "name": "xgboost-baseline",
    "tags": {"model_type": "xgboost"}
  }'`;

test("the seed's Quick Start works verbatim against npm run serve -- --port 8000", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'matih-quickstart-'));
  const daemon = await startCliDaemon(['--port', '8000'], { ...process.env, MATIH_HOME: dataDir });
  try {
    assert.equal(daemon.url, 'http://127.0.0.1:8000');
    const exp = JSON.parse((await sh('bash', ['-c', CREATE_EXPERIMENT])).stdout);
    assert.equal(exp.name, 'churn-prediction-v2');
    assert.equal(exp.description, 'Customer churn prediction with gradient boosting');
    assert.deepEqual(exp.tags, { team: 'data-science', domain: 'retention' });
    assert.equal(exp.lifecycle_stage, 'active');

    const run = JSON.parse((await sh('bash', ['-c', CREATE_RUN.replace('<experiment-id>', exp.id)])).stdout);
    assert.equal(run.experiment_id, exp.id);
    assert.equal(run.name, 'xgboost-baseline');
    assert.equal(run.status, 'running');
    assert.deepEqual(run.tags.model_type, 'xgboost');
    assert.match(run.id, /^[0-9a-f]{32}$/);
  } finally {
    daemon.child.kill('SIGTERM');
    assert.equal(await daemon.exited, 0);
    await rm(dataDir, { recursive: true, force: true });
  }
});
