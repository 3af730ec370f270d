/**
 * Artifact throughput through the store layer: one large file (200 MB by default,
 * BENCH_ARTIFACT_MB) uploaded from disk and downloaded back (hashed, checked against the
 * source) on each store — the local folder, S3 on a real SeaweedFS server, and MLflow's artifact
 * proxy with a local folder and with that S3 bucket behind it. Each store runs in a process of
 * its own, so the peak RSS reported is what that one transfer cost.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ArtifactStores } from '../../server/src/artifacts/resolver.ts';
import type { ArtifactStoresConfig } from '../../server/src/artifacts/resolver.ts';
import { ensureMlflowVenv, startMlflowServer } from '../support/mlflow.ts';
import { startS3Server } from '../support/s3-server.ts';
import { pairs } from './report.ts';

const run = promisify(execFile);

/** What one store's run measured. */
export interface ArtifactThroughput {
  store: string;
  bytes: number;
  uploadSeconds: number;
  downloadSeconds: number;
  /** Peak RSS of the process that did the transfer, in MiB. */
  peakRssMiB: number;
  /** Its RSS just before the transfer (Node, the SDKs and the stores loaded), in MiB. */
  baseRssMiB: number;
}

interface WorkerJob {
  config: ArtifactStoresConfig;
  root: string;
  source: string;
  bytes: number;
  sha256: string;
}

/** Runs the benchmark on every store; `progress` gets a line per step. */
export async function artifactThroughput(megabytes: number, progress: (line: string) => void): Promise<ArtifactThroughput[]> {
  const dir = await mkdtemp(join(tmpdir(), 'matih-bench-artifacts-'));
  const bytes = megabytes * 1_000_000;
  const results: ArtifactThroughput[] = [];
  try {
    progress(`artifacts: writing a ${megabytes} MB source file`);
    const source = join(dir, 'source.bin');
    const sha256 = await writeSource(source, bytes);
    const job = (store: string, config: ArtifactStoresConfig, root: string): Promise<ArtifactThroughput> =>
      runWorker(store, { config, root, source, bytes, sha256 }, progress);

    const localRoot = join(dir, 'local');
    results.push(await job('local folder (file:)', { localRoots: [localRoot] }, pathToFileURL(join(localRoot, 'run', 'artifacts')).href));

    await ensureMlflowVenv({ extras: { boto3: 'boto3' } });
    const s3 = await startS3Server();
    try {
      const s3Options = {
        endpoint: s3.endpoint,
        region: s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      };
      results.push(await job('S3 (SeaweedFS, multipart 8 MiB × 3)', { localRoots: [], s3: s3Options }, `s3://${s3.bucket}/bench/run/artifacts`));
      for (const [label, options] of [
        ['MLflow proxy → local folder', {}],
        ['MLflow proxy → S3 (SeaweedFS)', { artifactsDestination: `s3://${s3.bucket}/mlflow`, env: s3.env() }],
      ] as const) {
        const server = await startMlflowServer(options);
        try {
          results.push(await job(label, { localRoots: [], mlflow: { uri: server.url } }, 'mlflow-artifacts:/bench/run/artifacts'));
        } finally {
          await server.stop();
        }
      }
    } finally {
      await s3.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

export function artifactThroughputLines(results: ArtifactThroughput[]): string[] {
  const mbps = (bytes: number, s: number): string => `${(bytes / 1e6 / s).toFixed(1)} MB/s`;
  const first = results[0];
  return [
    `Artifact transfer through the store layer: one ${first ? (first.bytes / 1e6).toFixed(0) : '?'} MB file, uploaded from disk, downloaded and hashed (each store in its own process; hash checked)`,
    pairs(
      results.map((r) => [
        r.store,
        `upload ${mbps(r.bytes, r.uploadSeconds)} (${r.uploadSeconds.toFixed(1)} s), download ${mbps(r.bytes, r.downloadSeconds)} (${r.downloadSeconds.toFixed(1)} s), peak RSS ${r.peakRssMiB.toFixed(0)} MiB (${r.baseRssMiB.toFixed(0)} MiB before)`,
      ]),
    ),
  ];
}

async function runWorker(store: string, job: WorkerJob, progress: (line: string) => void): Promise<ArtifactThroughput> {
  progress(`artifacts: ${store}`);
  const { stdout } = await run(process.execPath, [fileURLToPath(import.meta.url), 'worker', JSON.stringify(job)], {
    maxBuffer: 1024 * 1024,
  });
  const measured = JSON.parse(stdout.trim().split('\n').pop() as string) as Omit<ArtifactThroughput, 'store'>;
  return { store, ...measured };
}

/** A file of pseudo-random bytes (incompressible), written in 1 MiB chunks; resolves with its SHA-256. */
async function writeSource(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  let left = bytes;
  let state = 0x9e3779b9;
  const chunks = Readable.from(
    (function* () {
      while (left > 0) {
        const n = Math.min(1 << 20, left);
        const buf = Buffer.allocUnsafe(n);
        for (let i = 0; i + 4 <= n; i += 4) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          buf.writeInt32LE(state | 0, i);
        }
        buf.fill(1, n - (n % 4));
        left -= n;
        hash.update(buf);
        yield buf;
      }
    })(),
  );
  await pipeline(chunks, createWriteStream(path));
  return hash.digest('hex');
}

/** The worker: one upload and one download on one store, printed as JSON. */
async function worker(job: WorkerJob): Promise<void> {
  const stores = new ArtifactStores(job.config);
  const store = stores.storeFor(job.root);
  try {
    const baseRssMiB = process.memoryUsage.rss() / 1048576;
    const t0 = performance.now();
    const written = await store.write(job.root, 'model/weights.bin', createReadStream(job.source), { size: job.bytes });
    const t1 = performance.now();
    const download = await store.read(job.root, 'model/weights.bin');
    const hash = createHash('sha256');
    let got = 0;
    for await (const chunk of download.body) {
      hash.update(chunk as Buffer);
      got += (chunk as Buffer).length;
    }
    const t2 = performance.now();
    if (written.size !== job.bytes || got !== job.bytes || hash.digest('hex') !== job.sha256) {
      throw new Error(`round trip differs: wrote ${written.size}, read ${got} of ${job.bytes} bytes`);
    }
    await store.delete(job.root, 'model');
    const status = await readFile('/proc/self/status', 'utf8');
    const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    console.log(JSON.stringify({ bytes: job.bytes, uploadSeconds: (t1 - t0) / 1000, downloadSeconds: (t2 - t1) / 1000, peakRssMiB: hwmKiB / 1024, baseRssMiB }));
  } finally {
    await stores.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'worker') {
  await worker(JSON.parse(process.argv[3] as string) as WorkerJob);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Standalone: `node test/bench/artifacts-throughput.ts` runs just this part of the bench.
  const results = await artifactThroughput(Number(process.env['BENCH_ARTIFACT_MB'] ?? 200), (line) => console.error(`[bench] ${line}`));
  console.log(artifactThroughputLines(results).join('\n'));
}
