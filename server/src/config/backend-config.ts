import type { TrackingBackend } from '../tracking/backend.ts';
import { TrackingError, invalid } from '../tracking/errors.ts';
import { EmbeddedBackend } from '../tracking/embedded/embedded-backend.ts';
import { type MlflowAuth, MlflowBackend } from '../tracking/mlflow/index.ts';
import { OutboxBackend } from '../outbox/index.ts';

/** Which store the daemon tracks into. */
export type BackendConfig =
  | { kind: 'embedded' }
  | {
      kind: 'mlflow';
      /** The MLflow tracking server, e.g. `http://mlflow.internal:5000`. */
      uri: string;
      /** From SecretStorage or MLflow's own environment variables; never from settings files. */
      auth?: MlflowAuth;
      /**
       * Tenants mapped to MLflow workspaces (MLflow ≥ 3.10 with `--enable-workspaces`), so the
       * server isolates them too: `same-name` uses the tenant id as the workspace name; a map
       * names each tenant's workspace (unlisted tenants are refused).
       */
      workspaces?: 'same-name' | Record<string, string>;
    };

/**
 * Credentials the way MLflow's clients read them: MLFLOW_TRACKING_TOKEN (bearer) or
 * MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD (basic).
 */
export function mlflowAuthFromEnv(env: NodeJS.ProcessEnv = process.env): MlflowAuth | undefined {
  if (env.MLFLOW_TRACKING_TOKEN) return { token: env.MLFLOW_TRACKING_TOKEN };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    return { username: env.MLFLOW_TRACKING_USERNAME, password: env.MLFLOW_TRACKING_PASSWORD };
  }
  return undefined;
}

/** A workspace name as MLflow accepts it (2–63 chars, no `--`, not reserved). */
const WORKSPACE_NAME = /^(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RESERVED_WORKSPACES = new Set(['workspaces', 'api', 'ajax-api', 'static-files']);

/** What the health endpoint shows of the outboxes: totals only, never run ids or messages. */
export interface OutboxHealth {
  queued: number;
  bytes: number;
  deadLetters: number;
  dropped: number;
  delivered: number;
  lastSuccessfulFlush: string | null;
  lastErrorCode: string | null;
}

/**
 * The backends of one daemon: one shared backend, or with workspaces one MLflow client per
 * tenant (each sends its own `X-MLFLOW-WORKSPACE`). An MLflow backend always sits behind a
 * durable outbox, so writes the daemon acknowledged survive the server being down. Closing
 * closes them all.
 */
export class BackendSet {
  readonly description: string;
  private readonly config: BackendConfig;
  private readonly shared: TrackingBackend | undefined;
  private readonly perTenant = new Map<string, TrackingBackend>();
  private readonly outboxes: OutboxBackend[] = [];
  private readonly dataDir: string;

  constructor(config: BackendConfig, dataDir: string) {
    this.config = config;
    this.dataDir = dataDir;
    if (config.kind === 'embedded') {
      this.shared = EmbeddedBackend.open({ dataDir });
      this.description = 'embedded';
    } else {
      new URL(config.uri); // a malformed URI fails here, at start-up, not on the first request
      this.shared = config.workspaces ? undefined : this.buffered(config, undefined);
      this.description = `mlflow ${new URL(config.uri).origin}${config.workspaces ? ' (workspace per tenant)' : ''}`;
    }
  }

  /** The backend a tenant's data lives in. */
  forTenant(tenantId: string): TrackingBackend {
    if (this.shared) return this.shared;
    const config = this.config as Extract<BackendConfig, { kind: 'mlflow' }>;
    let backend = this.perTenant.get(tenantId);
    if (!backend) {
      backend = this.buffered(config, workspaceFor(tenantId, config.workspaces!));
      this.perTenant.set(tenantId, backend);
    }
    return backend;
  }

  /** Totals over every outbox, or undefined on the embedded store. */
  outboxHealth(): OutboxHealth | undefined {
    if (this.outboxes.length === 0) return undefined;
    const total: OutboxHealth = { queued: 0, bytes: 0, deadLetters: 0, dropped: 0, delivered: 0, lastSuccessfulFlush: null, lastErrorCode: null };
    let last = 0;
    for (const outbox of this.outboxes) {
      const s = outbox.stats();
      total.queued += s.queued.entries;
      total.bytes += s.queued.bytes;
      total.deadLetters += s.deadLetters;
      total.dropped += s.dropped.spoolFull + s.dropped.spoolError + s.dropped.deadLettersDiscarded;
      total.delivered += s.delivered;
      if (s.lastSuccessfulFlush !== null && s.lastSuccessfulFlush > last) last = s.lastSuccessfulFlush;
      total.lastErrorCode ??= s.lastError?.code ?? null;
    }
    total.lastSuccessfulFlush = last ? new Date(last).toISOString() : null;
    return total;
  }

  async close(): Promise<void> {
    // Outboxes close their MLflow client too.
    await Promise.all([this.shared?.close(), ...[...this.perTenant.values()].map((b) => b.close())]);
  }

  private buffered(config: Extract<BackendConfig, { kind: 'mlflow' }>, workspace: string | undefined): TrackingBackend {
    const inner = new MlflowBackend({
      uri: config.uri,
      ...(workspace ? { workspace } : {}),
      ...(config.auth ? { auth: config.auth } : {}),
    });
    const outbox = OutboxBackend.open(inner, { dataDir: this.dataDir, fileName: workspace ? `outbox-${workspace}.db` : 'outbox.db' });
    this.outboxes.push(outbox);
    return outbox;
  }
}

/** The MLflow workspace of a tenant; PERMISSION_DENIED for a tenant the map leaves out. */
export function workspaceFor(tenantId: string, mapping: 'same-name' | Record<string, string>): string {
  const workspace = mapping === 'same-name' ? tenantId : mapping[tenantId];
  if (workspace === undefined) {
    throw new TrackingError('PERMISSION_DENIED', `tenant '${tenantId}' has no MLflow workspace in the daemon's workspace map`);
  }
  if (workspace.length < 2 || !WORKSPACE_NAME.test(workspace) || RESERVED_WORKSPACES.has(workspace)) {
    throw invalid(`'${workspace}' is not a valid MLflow workspace name (2-63 characters of a-z, 0-9 and single '-')`, 'X-Tenant-ID');
  }
  return workspace;
}
