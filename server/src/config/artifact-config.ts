/**
 * Where the daemon keeps artifacts, like `mlflow server --artifacts-destination`: a local folder
 * (default `<data dir>/artifacts`) or an S3 bucket and prefix, with the S3 connection settings.
 * The same config comes from the standalone CLI's flags and from the editor's settings.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../services/artifacts.ts';

/** S3 connection settings; credentials come from here, else the standard AWS chain (env, profile, ...). */
export interface S3Settings {
  /** An S3-compatible server (MinIO, SeaweedFS, ...); AWS itself when absent. */
  endpointUrl?: string;
  region?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key` (most self-hosted servers need it). */
  pathStyle?: boolean;
  /** From SecretStorage (the editor) only; never from settings files or argv. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export interface ArtifactConfig {
  /** `file:` URI, absolute path, or `s3://bucket[/prefix]`; default `<data dir>/artifacts`. */
  destination?: string;
  s3?: S3Settings;
  /** Largest single upload, in bytes (default 10 GiB). */
  maxUploadBytes?: number;
}

/** The config with every default filled in and every value checked. */
export interface ResolvedArtifactConfig {
  /** A `file:` URI or `s3://bucket[/prefix]`, without a trailing slash. */
  destination: string;
  /** Whether `destination` is the data directory's own artifacts folder. */
  isDefault: boolean;
  /** Absolute local folders `file:` artifact URIs may lie in. */
  localRoots: string[];
  s3: S3Settings;
  maxUploadBytes: number;
}

/** Checks and completes an artifact config; errors name the CLI flag / setting at fault. */
export function resolveArtifactConfig(config: ArtifactConfig, dataDir: string, field = 'artifacts destination'): ResolvedArtifactConfig {
  const dataRoot = join(resolve(dataDir), 'artifacts');
  const raw = config.destination?.trim() || undefined;
  const destination = raw === undefined ? pathToFileURL(dataRoot).href : normaliseDestination(raw, field);
  const localRoots = [dataRoot];
  if (destination.startsWith('file:')) {
    const dir = fileURLToPath(destination);
    if (!localRoots.includes(dir)) localRoots.push(dir);
  }
  const maxUploadBytes = config.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  if (!Number.isSafeInteger(maxUploadBytes) || maxUploadBytes < 1) {
    throw new Error(`the artifact upload limit must be a positive number of bytes, got ${String(config.maxUploadBytes)}`);
  }
  const s3 = config.s3 ?? {};
  if (s3.endpointUrl !== undefined && !/^https?:\/\/[^/?#@]+(\/.*)?$/.test(s3.endpointUrl)) {
    throw new Error(`the S3 endpoint must be an http(s) URL without credentials, got '${s3.endpointUrl}'`);
  }
  return { destination, isDefault: raw === undefined || destination === pathToFileURL(dataRoot).href, localRoots, s3, maxUploadBytes };
}

/** An absolute path or `file:` URI becomes a `file:` URI; `s3://bucket/prefix` is checked. */
function normaliseDestination(raw: string, field: string): string {
  if (/^s3:\/\//i.test(raw)) {
    const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^?#]*)?$/i.exec(raw);
    if (!m) throw new Error(`${field} must be s3://bucket[/prefix] with a valid bucket name, got '${raw}'`);
    const prefix = (m[2] ?? '').replace(/\/+$/, '');
    if (prefix.split('/').some((s) => s === '..' || s === '.')) throw new Error(`${field} must not contain '.' or '..' segments`);
    return `s3://${m[1]!.toLowerCase()}${prefix}`;
  }
  if (raw.startsWith('file:')) {
    let path: string;
    try {
      path = fileURLToPath(raw);
    } catch (err) {
      throw new Error(`${field} '${raw}' is not a valid file: URI (${(err as Error).message})`);
    }
    return pathToFileURL(resolve(path)).href.replace(/\/+$/, '');
  }
  if (isAbsolute(raw)) return pathToFileURL(resolve(raw)).href.replace(/\/+$/, '');
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) {
    throw new Error(`${field} must be a local folder or s3://bucket[/prefix]; the '${raw.split(':')[0]}:' scheme is not supported`);
  }
  throw new Error(`${field} must be an absolute folder, a file: URI or s3://bucket[/prefix], got '${raw}'`);
}

/**
 * S3 settings the way MLflow and the AWS tools read them: `MLFLOW_S3_ENDPOINT_URL` (MLflow's own
 * name) or `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, and `AWS_REGION` / `AWS_DEFAULT_REGION`.
 * Credentials are left to the AWS SDK's default chain (env, shared profile, SSO, instance role).
 * Explicit values (flags, settings) win over these.
 */
export function s3SettingsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Settings {
  const endpointUrl = env.MLFLOW_S3_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  return { ...(endpointUrl ? { endpointUrl } : {}), ...(region ? { region } : {}) };
}

/** `1073741824`, `500MiB`, `2G`, `10GB`: binary units, since that is what file sizes are shown in. */
export function parseByteSize(text: string, field: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(k|m|g|t)?(?:i?b)?\s*$/i.exec(text);
  if (!m) throw new Error(`${field} must be a size such as 500MiB or 2GiB, got '${text}'`);
  const power = { k: 1, m: 2, g: 3, t: 4 }[(m[2] ?? '').toLowerCase() as 'k'] ?? 0;
  const bytes = Math.floor(Number(m[1]) * 1024 ** power);
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new Error(`${field} must be at least one byte, got '${text}'`);
  return bytes;
}
