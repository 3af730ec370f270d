/**
 * `Artifacts.*`: a run's files, for the sidebar and its commands. The daemon runs on the user's
 * machine, so transfers name local paths and the daemon reads or writes them itself, streaming
 * (bounded memory), reporting `$/progress` through the request's `workDoneToken`, and stopping
 * when the request is cancelled. Artifact paths are relative to the run's artifact root; the
 * daemon's one path-safety check refuses any that could leave it (`..`, absolute, drive,
 * backslash, encoded tricks), and a run of another tenant is answered like a missing one.
 */
import { z } from 'zod';
import { request } from './rpc.ts';
import { TenantIdSchema } from './settings.ts';

const RunId = z.string().regex(/^[a-zA-Z0-9][\w-]{0,255}$/, 'must be a run id');
/**
 * An MLflow 3 logged model of the run (`m-` and 32 hex digits): the request then addresses the
 * model's files (its own artifact location) instead of the run's. The daemon answers a model
 * whose source run is not `runId` (or that is another tenant's) like a missing one.
 */
const ModelId = z.string().regex(/^m-[0-9a-f]{32}$/, 'must be a logged model id (m- and 32 hex digits)');

/** Longest artifact path the protocol carries (MLflow's own limit is about this). */
export const ARTIFACT_PATH_MAX = 1024;
/** Most bytes one `Artifacts.read` answers (a preview, not a transfer). */
export const ARTIFACT_READ_MAX_BYTES = 5 * 1024 * 1024;
/** Files one upload or download moves at most; checked before the first byte moves. */
export const ARTIFACT_TRANSFER_MAX_FILES = 10_000;
/** Entries one listing answers at most. */
export const ARTIFACT_LIST_MAX = 10_000;

/**
 * A path inside the run's artifacts, `/`-separated, '' for the root. Only bounded here: the
 * daemon's path-safety check is the one authority on what is allowed, so its message is the one
 * the user sees.
 */
const ArtifactPath = z.string().max(ARTIFACT_PATH_MAX);
/** An absolute path on the daemon's (the user's) machine: `/…`, `C:\…` or `\\server\…`. */
const LocalPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p), 'must be an absolute local path')
  .refine((p) => !p.includes('\0'), 'must not contain NUL characters');
/** LSP's `ProgressToken`: the daemon reports `$/progress` under it when given. */
const WorkDoneToken = z.union([z.string().min(1).max(200), z.number().int()]);
/** Whose files a request addresses: the run's own, or with `modelId` one of its logged models'. */
const ArtifactOwner = {
  tenant: TenantIdSchema,
  runId: RunId,
  /** The files of this logged model of the run, instead of the run's own. */
  modelId: ModelId.optional(),
};

export const ArtifactsListParams = z.strictObject({
  ...ArtifactOwner,
  /** The folder to list; '' (default) for the run's root. */
  path: ArtifactPath.default(''),
  /** Entries answered at most; default 1000. More set `truncated`. */
  maxResults: z.number().int().min(1).max(ARTIFACT_LIST_MAX).default(1000),
});
export type ArtifactsListParams = z.input<typeof ArtifactsListParams>;

export const ArtifactsDownloadParams = z.strictObject({
  ...ArtifactOwner,
  /** A file, or a folder downloaded with everything under it; '' for all the run's artifacts. */
  path: ArtifactPath.default(''),
  /**
   * Where to write: the local file for a file, the local folder (created when missing) that
   * receives the folder's contents for a folder.
   */
  destination: LocalPath,
  /** Replace local files that exist; otherwise an existing file is refused (`already_exists`, field `destination`). */
  overwrite: z.boolean().default(false),
  workDoneToken: WorkDoneToken.optional(),
});
export type ArtifactsDownloadParams = z.input<typeof ArtifactsDownloadParams>;

export const ArtifactsUploadParams = z.strictObject({
  tenant: TenantIdSchema,
  runId: RunId,
  /** A local file, or a local folder uploaded with everything under it (symlinks are skipped). */
  source: LocalPath,
  /**
   * For a file: its artifact path (e.g. `data/train.csv`). For a folder: the artifact folder that
   * receives its contents ('' for the run's root). Existing artifacts are replaced, as MLflow does.
   */
  destination: ArtifactPath,
  workDoneToken: WorkDoneToken.optional(),
});
export type ArtifactsUploadParams = z.input<typeof ArtifactsUploadParams>;

export const ArtifactsDeleteParams = z.strictObject({
  ...ArtifactOwner,
  /** A file, or a folder with everything under it. The root itself cannot be deleted this way. */
  path: ArtifactPath.min(1, 'must name a file or folder'),
});
export type ArtifactsDeleteParams = z.input<typeof ArtifactsDeleteParams>;

export const ArtifactsReadParams = z.strictObject({
  ...ArtifactOwner,
  path: ArtifactPath.min(1, 'must name a file'),
  /** Bytes answered at most (the file's first bytes); default 1 MiB, at most 5 MiB. */
  maxBytes: z.number().int().min(1).max(ARTIFACT_READ_MAX_BYTES).default(1024 * 1024),
});
export type ArtifactsReadParams = z.input<typeof ArtifactsReadParams>;

export const ArtifactsModelsParams = z.strictObject({
  tenant: TenantIdSchema,
  runId: RunId,
});
export type ArtifactsModelsParams = z.input<typeof ArtifactsModelsParams>;

/** Logged models one `Artifacts.models` answers at most (newest first). */
export const ARTIFACT_MODELS_MAX = 100;

/** A logged model whose source run is the run. */
export interface LoggedModelSummaryView {
  /** `m-` and 32 hex digits; what `modelId` of the other requests takes. */
  id: string;
  /** As logged (`log_model(name=…)`). */
  name: string;
  /** MLflow's LoggedModelStatus, e.g. `LOGGED_MODEL_READY`. */
  status?: string;
  /** Epoch milliseconds. */
  createdAt?: number;
}

/** The answer of `Artifacts.models`: newest first, at most {@link ARTIFACT_MODELS_MAX}. */
export interface LoggedModelListView {
  models: LoggedModelSummaryView[];
}

/** One entry of a folder. */
export interface ArtifactEntryView {
  /** Relative to the run's root, `/`-separated, e.g. `model/MLmodel`. */
  path: string;
  /** The last segment, for display. */
  name: string;
  isDir: boolean;
  /** Bytes; absent for folders and where the store does not say. */
  size?: number;
}

/** The answer of `Artifacts.list`: folders first, then files, each by name. */
export interface ArtifactListView {
  runId: string;
  path: string;
  entries: ArtifactEntryView[];
  /** More entries exist than `maxResults` allowed. */
  truncated: boolean;
}

/** What an upload or download moved. */
export interface ArtifactTransferView {
  files: number;
  bytes: number;
}

/** The answer of `Artifacts.read`: a file's first bytes, as text when they are text. */
export interface ArtifactContentView {
  runId: string;
  path: string;
  /** `utf8`: `content` is the text; `base64`: binary, or text that is not valid UTF-8. */
  encoding: 'utf8' | 'base64';
  content: string;
  /** The file's size in bytes, when the store says. */
  size?: number;
  /** The file holds more than `maxBytes`; `content` is its start. */
  truncated: boolean;
  /** Guessed from the name (then the bytes): e.g. `application/json`, `image/png`. */
  contentType: string;
}

/** A run's artifacts. Tenancy and path safety are checked by the daemon on every request. */
export const Artifacts = {
  /** The direct children of a folder, with sizes. A folder that does not exist lists nothing. */
  list: request<typeof ArtifactsListParams, ArtifactListView>('matih/artifacts/list', ArtifactsListParams),
  /** Copies a file or folder to the local disk; cancellable, reports work-done progress. */
  download: request<typeof ArtifactsDownloadParams, ArtifactTransferView>('matih/artifacts/download', ArtifactsDownloadParams),
  /** Copies a local file or folder into the run; cancellable, reports work-done progress. */
  upload: request<typeof ArtifactsUploadParams, ArtifactTransferView>('matih/artifacts/upload', ArtifactsUploadParams),
  /** Deletes a file, or a folder with everything under it. Deleting what is not there is not an error (as in the stores). */
  delete: request<typeof ArtifactsDeleteParams, null>('matih/artifacts/delete', ArtifactsDeleteParams),
  /** A file's first `maxBytes`, for previews in the editor. */
  read: request<typeof ArtifactsReadParams, ArtifactContentView>('matih/artifacts/read', ArtifactsReadParams),
  /** The MLflow 3 logged models whose source run is the run (their files: `modelId` on list/read/download/delete). */
  models: request<typeof ArtifactsModelsParams, LoggedModelListView>('matih/artifacts/models', ArtifactsModelsParams),
} as const;

/** Content types by extension, lower case; what previews and icons go by. */
const TYPES: Record<string, string> = {
  txt: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  json: 'application/json',
  jsonl: 'application/jsonl',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  py: 'text/x-python',
  html: 'text/html',
  xml: 'application/xml',
  toml: 'application/toml',
  ini: 'text/plain',
  cfg: 'text/plain',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  webp: 'image/webp',
  pkl: 'application/octet-stream',
  pt: 'application/octet-stream',
  onnx: 'application/octet-stream',
  parquet: 'application/vnd.apache.parquet',
  zip: 'application/zip',
  gz: 'application/gzip',
};

/** MLflow's own extension-less text files (a model's descriptor, its requirement files). */
const TEXT_NAMES = new Set(['mlmodel', 'mlproject', 'license', 'readme', 'dockerfile', 'makefile']);

/** The content type a file's name suggests; `application/octet-stream` when it says nothing. */
export function guessArtifactType(path: string): string {
  const name = (path.split('/').pop() ?? '').toLowerCase();
  if (TEXT_NAMES.has(name)) return name === 'mlmodel' || name === 'mlproject' ? 'application/yaml' : 'text/plain';
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'application/octet-stream';
  return TYPES[name.slice(dot + 1)] ?? 'application/octet-stream';
}

/** Whether a content type is something an editor tab shows as text. */
export function isTextType(contentType: string): boolean {
  return (
    contentType.startsWith('text/') ||
    ['application/json', 'application/jsonl', 'application/yaml', 'application/xml', 'application/toml'].includes(contentType)
  );
}

/** Whether a content type is an image VS Code previews (svg included). */
export function isImageType(contentType: string): boolean {
  return ['image/png', 'image/jpeg', 'image/gif', 'image/svg+xml', 'image/webp'].includes(contentType);
}

/** 1.5 MB, 820 KB, 12 B: decimal units, as file managers show them. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
