/**
 * The real `mlflow` client's artifact calls through the daemon (`artifacts.py`): log_artifact,
 * log_artifacts (a folder), log_figure (matplotlib), log_dict (JSON and YAML), log_text, a 3 MiB
 * binary, list_artifacts (client and fluent), download_artifacts (whole run, one file, by URI),
 * load_dict / load_text, on three set-ups:
 *  - the embedded store with its default destination (files under the data directory);
 *  - the embedded store with an S3 destination on a real S3 server (SeaweedFS);
 *  - `--backend mlflow` in front of a real `mlflow server --artifacts-destination s3://...`.
 * In each, what the client downloads matches what it sent byte for byte, and the store holds the
 * same bytes. Another tenant's client can list, read, write and delete none of it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { TestDaemon } from '../support/daemon.ts';
import { startTestDaemon } from '../support/daemon.ts';
import { ensureMlflowVenv, type MlflowServer, startMlflowServer } from '../support/mlflow.ts';
import { type S3Server, s3Client, startS3Server } from '../support/s3-server.ts';
import { errorsIn, type LoggedRequest, type PythonRun, runPython } from './harness.ts';

const A = 'acme';
const B = 'globex';
/** What artifacts.py logs besides the files it reports digests of. */
const EXTRA = ['config/params.json', 'config/params.yaml', 'nested/deeper/hello.txt', 'notes/readme.txt', 'plots/curve.png'];

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

interface Setup {
  d: TestDaemon;
  requests: LoggedRequest[];
  py: PythonRun;
  foreign: PythonRun;
}

/** A daemon that records its requests, the script as tenant A, then the foreign script as tenant B. */
async function runScripts(daemonOptions: Parameters<typeof startTestDaemon>[0], experiment: string): Promise<Setup> {
  const requests: LoggedRequest[] = [];
  const d = await startTestDaemon({
    ...daemonOptions,
    log: (line) => {
      const m = /^(\S+) (\S+) (\d{3})\b/.exec(line);
      if (m) requests.push({ method: m[1]!, path: m[2]!, status: Number(m[3]) });
    },
  });
  const py = await runPython('artifacts.py', { trackingUri: `${d.url}/tenants/${A}`, args: [experiment], timeoutMs: 180_000 });
  const foreign = await runPython('artifacts.py', {
    trackingUri: `${d.url}/tenants/${B}`,
    args: ['--foreign', py.result.run.run_id, py.result.artifact_uri],
    timeoutMs: 120_000,
  });
  return { d, requests, py, foreign };
}

/** The checks every set-up shares: what the client sent is what it got back, listings, errors, isolation. */
function sharedChecks(get: () => Setup): void {
  test('what the client downloads is byte for byte what it logged; listings show sizes', () => {
    const r = get().py.result;
    assert.equal(r.artifact_uri, `mlflow-artifacts:/${r.run.experiment_id}/${r.run.run_id}/artifacts`);
    assert.equal(r.run.status, 'FINISHED');
    const downloaded = r.downloaded as Record<string, [number, string]>;
    assert.deepEqual(Object.keys(downloaded).sort(), [...Object.keys(r.sent), ...EXTRA].sort());
    for (const [path, digest] of Object.entries<string>(r.sent)) assert.equal(downloaded[path]![1], digest, path);
    assert.equal(r.downloaded_one, r.sent['model/weights.bin']);
    assert.deepEqual(Object.keys(r.downloaded_by_uri).sort(), ['folder/a.csv', 'folder/sub/b.json', 'folder/sub/with space & ü.txt']);
    assert.deepEqual(r.loaded_dict, { lr: 0.1, layers: [64, 32] });
    assert.equal(r.loaded_text, 'some notes\n');
    assert.equal(downloaded['plots/curve.png']![0] > 1000, true, 'the figure is a real PNG');
    assert.deepEqual(r.root_listing, [
      ['config', true, null],
      ['folder', true, null],
      ['hello.txt', false, 25],
      ['model', true, null],
      ['nested', true, null],
      ['notes', true, null],
      ['plots', true, null],
    ]);
    assert.deepEqual(r.folder_listing, [
      ['folder/sub/b.json', false, 8],
      ['folder/sub/with space & ü.txt', false, 13],
    ]);
    assert.deepEqual(r.fluent_listing.map((e: unknown[]) => e[0]), ['config/params.json', 'config/params.yaml']);
    assert.equal(r.missing.error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  test('the client warns about nothing, and the daemon refused only the two expected requests', () => {
    const { py, requests } = get();
    assert.deepEqual(py.warnings, []);
    const missing = `GET /tenants/${A}/api/2.0/mlflow-artifacts/artifacts/${py.result.run.experiment_id}/${py.result.run.run_id}/artifacts/nope.txt 404`;
    const ownErrors = errorsIn(requests.filter((q) => q.path.startsWith(`/tenants/${A}/`)));
    assert.deepEqual(ownErrors, [`GET /tenants/${A}/api/2.0/mlflow/experiments/get-by-name 404`, missing]);
  });

  test("another tenant's client lists, reads, writes and deletes nothing: every call fails as for a missing run", async () => {
    const f = get().foreign.result;
    for (const key of ['list_by_run', 'download_by_run', 'download_by_uri', 'list_by_uri', 'upload_by_run', 'upload_by_uri', 'delete_by_uri']) {
      assert.ok(f[key], `${key} succeeded`);
      assert.ok(f[key].status === 404 || f[key].error_code === 'RESOURCE_DOES_NOT_EXIST', `${key}: ${JSON.stringify(f[key])}`);
    }
    // Tenant A's files are all still there and unchanged.
    const { d, py } = get();
    const list = await d.call('GET', `/api/v1/experiments/runs/${py.result.run.run_id}`, { tenant: A });
    assert.deepEqual(list.body.artifacts, Object.keys(py.result.downloaded).sort());
    const hello = await fetch(`${d.url}/api/v1/experiments/runs/${py.result.run.run_id}/artifacts/hello.txt`, { headers: { 'X-Tenant-ID': A } });
    assert.equal(sha256(new Uint8Array(await hello.arrayBuffer())), py.result.sent['hello.txt']);
  });
}

describe('Python mlflow client: artifacts through the daemon, embedded store', { timeout: 400_000 }, () => {
  let s: Setup;
  before(async () => {
    await ensureMlflowVenv();
    s = await runScripts({}, 'py-artifacts');
  });
  after(() => s?.d.stop());
  sharedChecks(() => s);

  test("the files sit in the run's folder under the data directory, the same bytes", async () => {
    const run = await s.d.daemon.backendFor(A).getRun(s.py.result.run.run_id);
    const dir = fileURLToPath(run.info.artifactUri);
    assert.ok(dir.startsWith(join(s.d.dataDir, 'artifacts')), dir);
    for (const [path, digest] of Object.entries<string>(s.py.result.sent)) {
      assert.equal(sha256(await readFile(join(dir, ...path.split('/')))), digest, path);
    }
  });
});

/** Every object under `prefix` in the bucket, key → sha256. */
async function objects(s3: S3Server, prefix: string): Promise<Record<string, string>> {
  const client = s3Client(s3);
  try {
    const out: Record<string, string> = {};
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const body = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: o.Key! }));
        out[o.Key!.slice(prefix.length)] = sha256(await body.Body!.transformToByteArray());
      }
      token = page.NextContinuationToken;
    } while (token);
    return out;
  } finally {
    client.destroy();
  }
}

describe('Python mlflow client: artifacts through the daemon, embedded store with an S3 destination', { timeout: 900_000 }, () => {
  let s3: S3Server;
  let s: Setup;
  before(async () => {
    await ensureMlflowVenv();
    s3 = await startS3Server();
    s = await runScripts(
      {
        artifacts: {
          destination: `s3://${s3.bucket}/matih`,
          s3: {
            endpointUrl: s3.endpoint,
            region: s3.region,
            pathStyle: true,
            credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
          },
        },
      },
      'py-artifacts-s3',
    );
  });
  after(async () => {
    await s?.d.stop();
    await s3?.stop();
  });
  sharedChecks(() => s);

  test("the run's artifacts live in the bucket under the destination and the tenant, the same bytes", async () => {
    const run = await s.d.daemon.backendFor(A).getRun(s.py.result.run.run_id);
    const uri = run.info.artifactUri;
    assert.match(uri, new RegExp(`^s3://${s3.bucket}/matih/${A}/[0-9a-f]{32}/${run.info.runId}/artifacts$`));
    const stored = await objects(s3, `${uri.slice(`s3://${s3.bucket}/`.length)}/`);
    assert.deepEqual(Object.keys(stored).sort(), Object.keys(s.py.result.downloaded).sort());
    for (const [path, digest] of Object.entries<string>(s.py.result.sent)) assert.equal(stored[path], digest, path);
  });
});

describe('Python mlflow client: artifacts through the daemon, --backend mlflow with an S3 artifact destination', { timeout: 900_000 }, () => {
  let s3: S3Server;
  let server: MlflowServer;
  let s: Setup;
  before(async () => {
    // boto3 lets the MLflow server's S3 artifact repository reach the S3 server.
    await ensureMlflowVenv({ extras: { boto3: 'boto3' } });
    s3 = await startS3Server();
    server = await startMlflowServer({ artifactsDestination: `s3://${s3.bucket}/mlflow`, env: s3.env() });
    s = await runScripts({ backend: { kind: 'mlflow', uri: server.url } }, 'py-artifacts-mlflow');
  });
  after(async () => {
    await s?.d.stop();
    await server?.stop();
    await s3?.stop();
  });
  sharedChecks(() => s);

  test("the MLflow server stored them in its S3 destination, the same bytes", async () => {
    const { run_id: runId } = s.py.result.run;
    const run = await s.d.daemon.backendFor(A).getRun(runId);
    assert.equal(run.info.artifactUri, `mlflow-artifacts:/${run.info.experimentId}/${runId}/artifacts`);
    const stored = await objects(s3, `mlflow/${run.info.experimentId}/${runId}/artifacts/`);
    assert.deepEqual(Object.keys(stored).sort(), Object.keys(s.py.result.downloaded).sort());
    for (const [path, digest] of Object.entries<string>(s.py.result.sent)) assert.equal(stored[path], digest, path);
  });
});
