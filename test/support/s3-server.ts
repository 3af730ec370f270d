/**
 * A real S3 server for tests: SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in
 * one process) built from the Go module proxy into the git-ignored `.cache/seaweedfs` the first
 * time a test needs it, then started on free loopback ports with a temp data dir, a static
 * identity (so requests are signed with a known key) and a bucket.
 *
 * `go install module@version` refuses SeaweedFS (its go.mod has a replace directive), so the
 * module is downloaded and built as the main module instead. The cold build is the expensive
 * part (see BUILD_NOTE); it happens once per clone, under a lock so concurrent test files wait
 * for one build rather than racing two.
 */
import { S3Client, HeadBucketCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireLock, freePort } from './mlflow.ts';
import { stopGroup, trackGroup } from './process-group.ts';

/** The SeaweedFS version the Go module proxy here serves (pinned: a build is ~minutes). */
export const SEAWEEDFS_MODULE = 'github.com/seaweedfs/seaweedfs';
export const SEAWEEDFS_VERSION = 'v0.0.0-20261109003541-7506e5f91cd6';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const HOME = join(REPO_ROOT, '.cache', 'seaweedfs');
const BIN = join(HOME, 'bin', 'weed');
const READY = join(HOME, 'bin', `.ready-${SEAWEEDFS_VERSION}`);
const LOCK = join(REPO_ROOT, '.cache', 'seaweedfs.lock');
const BUILD_LOG = join(HOME, 'build.log');

export const S3_ACCESS_KEY_ID = 'MATIHTESTACCESSKEY01';
export const S3_SECRET_ACCESS_KEY = 'matih-test-secret-access-key-0123456789';
export const S3_REGION = 'us-east-1';

let buildPromise: Promise<string> | undefined;

/** The path of a built `weed`, building it first (under a lock) when this clone has none. */
export function ensureWeed(): Promise<string> {
  buildPromise ??= buildLocked().catch((err: unknown) => {
    buildPromise = undefined;
    throw err;
  });
  return buildPromise;
}

async function buildLocked(): Promise<string> {
  if (existsSync(READY) && existsSync(BIN)) return BIN;
  await mkdir(join(HOME, 'bin'), { recursive: true });
  const release = await acquireLock(LOCK);
  try {
    if (existsSync(READY) && existsSync(BIN)) return BIN;
    const started = Date.now();
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      GOPATH: join(HOME, 'gopath'),
      GOMODCACHE: join(HOME, 'gopath', 'pkg', 'mod'),
      GOCACHE: join(HOME, 'gocache'),
      // The module cache is read-only by default, which makes `rm -rf .cache` fail.
      GOFLAGS: '-modcacherw',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
    };
    const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
    const download = await run(go, ['mod', 'download', '-json', `${SEAWEEDFS_MODULE}@${SEAWEEDFS_VERSION}`], HOME, env);
    const dir = (JSON.parse(download) as { Dir?: string }).Dir;
    if (!dir) throw new Error(`go mod download did not say where ${SEAWEEDFS_MODULE} is; see ${BUILD_LOG}`);
    const partial = `${BIN}.${process.pid}.tmp`;
    await run(go, ['build', '-trimpath', '-ldflags=-s -w', '-o', partial, './weed'], dir, env);
    await rename(partial, BIN);
    await writeFile(READY, `built in ${Math.round((Date.now() - started) / 1000)} s\n`);
    return BIN;
  } finally {
    await release();
  }
}

/** Runs a build step, logging to BUILD_LOG; resolves with its stdout. */
async function run(command: string, args: string[], cwd: string, env: Record<string, string>): Promise<string> {
  const log = openSync(BUILD_LOG, 'a');
  try {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', log] });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const code = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('close', done);
    });
    if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${code}); see ${BUILD_LOG}`);
    return out;
  } finally {
    closeSync(log);
  }
}

export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** A bucket created at start-up. */
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** How long start-up took until the bucket answered, in ms (the build not included). */
  startupMs: number;
  /** Environment for boto3-based clients (MLflow's S3 artifact repository) to reach this server. */
  env(): Record<string, string>;
  stop(): Promise<void>;
}

/** A client of `s3`, as the tests check the bucket with (path-style, the server's keys). */
export function s3Client(s3: S3Server): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    // A fresh object: the SDK marks the credentials object it is given.
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

export async function startS3Server(options: { bucket?: string; startTimeoutMs?: number } = {}): Promise<S3Server> {
  const weed = await ensureWeed();
  const bucket = options.bucket ?? 'matih-test';
  const timeout = options.startTimeoutMs ?? 120_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(weed, bucket, timeout);
    } catch (err) {
      // A port picked free can be taken before weed binds it (mini then moves elsewhere).
      if (attempt >= 3) throw err;
    }
  }
}

async function launch(weed: string, bucket: string, timeoutMs: number): Promise<S3Server> {
  const dir = await mkdtemp(join(tmpdir(), 'matih-s3-'));
  const data = join(dir, 'data');
  await mkdir(data);
  const config = join(dir, 's3.json');
  await writeFile(
    config,
    JSON.stringify({
      identities: [
        {
          name: 'matih-test',
          credentials: [{ accessKey: S3_ACCESS_KEY_ID, secretKey: S3_SECRET_ACCESS_KEY }],
          actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'],
        },
      ],
    }),
  );
  const ports: number[] = [];
  while (ports.length < 8) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const [master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, s3, s3Grpc] = ports as [number, number, number, number, number, number, number, number];
  const args = [
    'mini',
    `-dir=${data}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-master.port=${master}`,
    `-master.port.grpc=${masterGrpc}`,
    `-volume.port=${volume}`,
    `-volume.port.grpc=${volumeGrpc}`,
    `-filer.port=${filer}`,
    `-filer.port.grpc=${filerGrpc}`,
    `-s3.port=${s3}`,
    `-s3.port.grpc=${s3Grpc}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.config=${config}`,
    `-bucket=${bucket}`,
    '-webdav=false',
    '-admin.ui=false',
    '-master.telemetry=false',
    '-master.volumeSizeLimitMB=64',
  ];
  const started = Date.now();
  const log = openSync(join(dir, 'weed.log'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(weed, args, { cwd: dir, detached: true, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  trackGroup(child);
  let exited = false;
  child.once('exit', () => (exited = true));

  const stop = async (): Promise<void> => {
    await stopGroup(child);
    await rm(dir, { recursive: true, force: true });
  };

  const endpoint = `http://127.0.0.1:${s3}`;
  const client = new S3Client({
    endpoint,
    region: S3_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    maxAttempts: 1,
  });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`weed exited during start-up:\n${await tail(join(dir, 'weed.log'))}`);
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        break;
      } catch (err) {
        // The gateway answers before the filer has made the bucket: make it ourselves then.
        if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
          await client.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
        }
      }
      if (Date.now() > deadline) throw new Error(`SeaweedFS S3 did not answer within ${timeoutMs} ms:\n${await tail(join(dir, 'weed.log'))}`);
      await sleep(200);
    }
  } catch (err) {
    client.destroy();
    await stop();
    throw err;
  }
  client.destroy();
  return {
    endpoint,
    bucket,
    accessKeyId: S3_ACCESS_KEY_ID,
    secretAccessKey: S3_SECRET_ACCESS_KEY,
    region: S3_REGION,
    startupMs: Date.now() - started,
    env: () => ({
      AWS_ACCESS_KEY_ID: S3_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: S3_SECRET_ACCESS_KEY,
      AWS_DEFAULT_REGION: S3_REGION,
      MLFLOW_S3_ENDPOINT_URL: endpoint,
    }),
    stop,
  };
}

async function tail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-30).join('\n');
}

// `node test/support/s3-server.ts --install`: `npm test` builds weed before the suite starts, so
// on a clean clone no test file spends its timeout waiting for a cold build (~13 min on 2 cores).
if (import.meta.main && process.argv.includes('--install')) {
  const started = Date.now();
  const bin = await ensureWeed();
  console.log(`[s3-server] ${bin} ready (${Math.round((Date.now() - started) / 1000)} s)`);
}
