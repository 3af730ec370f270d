/**
 * Picks the artifact store for a URI by its scheme: `file:` (only under the allowed local roots),
 * `s3:` and `mlflow-artifacts:` (when the daemon has an MLflow connection). Anything else —
 * `http:`, `hdfs:`, `dbfs:`, a bare path, an empty scheme — is refused by name, before any
 * store touches it (CVE-2024-3573 was a scheme misjudged as "local").
 */
import { MlflowHttp } from '../tracking/mlflow/http.ts';
import type { MlflowHttpOptions } from '../tracking/mlflow/http.ts';
import { LocalArtifactStore } from './local-store.ts';
import { MlflowArtifactProxyStore } from './mlflow-proxy-store.ts';
import { S3ArtifactStore } from './s3-store.ts';
import type { S3StoreOptions } from './s3-store.ts';
import { ArtifactUriError } from './store.ts';
import type { ArtifactStore } from './store.ts';

export interface ArtifactStoresConfig {
  /** Folders `file:` URIs may lie under (the data-dir artifacts folder, configured destinations). */
  localRoots: readonly string[];
  /** Options of the `s3:` store; absent: SDK defaults (AWS, standard credential chain). */
  s3?: S3StoreOptions;
  /**
   * The MLflow tracking server behind `mlflow-artifacts:` URIs: an existing transport (to share
   * the tracking backend's pool) or options to make one. Absent: those URIs are refused.
   */
  mlflow?: { http: MlflowHttp } | MlflowHttpOptions;
}

/** Per-request context a store choice may depend on. */
export interface ArtifactStoreContext {
  /** The MLflow workspace of the tenant (MLflow ≥ 3.10 with workspaces): sent as its header. */
  workspace?: string;
}

export class ArtifactStores {
  readonly #local: LocalArtifactStore;
  readonly #s3Options: S3StoreOptions;
  #s3: S3ArtifactStore | undefined;
  readonly #mlflow: MlflowHttpOptions | undefined;
  readonly #sharedHttp: MlflowHttp | undefined;
  /** One transport per workspace (each carries its own header); '' is the default. */
  readonly #proxies = new Map<string, { store: MlflowArtifactProxyStore; owned?: MlflowHttp }>();

  constructor(config: ArtifactStoresConfig) {
    this.#local = new LocalArtifactStore({ allowedRoots: config.localRoots });
    this.#s3Options = config.s3 ?? {};
    if (config.mlflow && 'http' in config.mlflow) this.#sharedHttp = config.mlflow.http;
    else this.#mlflow = config.mlflow;
  }

  /** The store for `uri`; throws {@link ArtifactUriError} naming the scheme when none serves it. */
  storeFor(uri: string, context: ArtifactStoreContext = {}): ArtifactStore {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
    // A one-letter "scheme" is a Windows drive (C:\...), i.e. a bare path.
    if (scheme === undefined || scheme.length === 1) throw new ArtifactUriError(uri, 'has no URI scheme (a bare path is not accepted)');
    switch (scheme) {
      case 'file':
        return this.#local;
      case 's3':
        this.#s3 ??= new S3ArtifactStore(this.#s3Options);
        return this.#s3;
      case 'mlflow-artifacts':
        return this.#proxy(uri, context.workspace);
      default:
        throw new ArtifactUriError(uri, `the '${scheme}:' scheme has no artifact store in this daemon (file, s3 and mlflow-artifacts do)`);
    }
  }

  /** Closes the S3 client and the MLflow transports this object made (not a shared one). */
  async close(): Promise<void> {
    this.#s3?.close();
    this.#s3 = undefined;
    const owned = [...this.#proxies.values()].flatMap((p) => (p.owned ? [p.owned] : []));
    this.#proxies.clear();
    await Promise.all(owned.map((http) => http.close()));
  }

  #proxy(uri: string, workspace: string | undefined): MlflowArtifactProxyStore {
    const key = workspace ?? '';
    const existing = this.#proxies.get(key);
    if (existing) return existing.store;
    let entry: { store: MlflowArtifactProxyStore; owned?: MlflowHttp };
    if (this.#mlflow) {
      const http = new MlflowHttp({ ...this.#mlflow, ...(workspace !== undefined ? { workspace } : {}) });
      entry = { store: new MlflowArtifactProxyStore({ http }), owned: http };
    } else if (this.#sharedHttp && workspace === undefined) {
      entry = { store: new MlflowArtifactProxyStore({ http: this.#sharedHttp }) };
    } else if (this.#sharedHttp) {
      throw new ArtifactUriError(uri, 'needs a per-workspace MLflow connection; configure the store with connection options, not a shared transport');
    } else {
      throw new ArtifactUriError(uri, 'is served by an MLflow tracking server, and this daemon is not connected to one');
    }
    this.#proxies.set(key, entry);
    return entry.store;
  }
}
