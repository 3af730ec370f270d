/**
 * The extension's settings as the daemon receives them (initialization options, then
 * `workspace/didChangeConfiguration`), with the zod schemas the daemon checks them with.
 * Credentials are never settings: they travel from SecretStorage in {@link BackendCredentials}.
 */
import { z } from 'zod';
import { TENANT_ID_PATTERN } from './tenancy.ts';

export interface DaemonSettings {
  /** `embedded` (SQLite in the data directory) or `mlflow` (a tracking server at `mlflowUri`). */
  backend: 'embedded' | 'mlflow';
  /**
   * The MLflow tracking server, for `backend: mlflow`: an http(s) URL, a path prefix allowed.
   * It must not carry a user name or password (those belong in SecretStorage).
   */
  mlflowUri?: string;
  /** Give each tenant the MLflow workspace of the same name (MLflow >= 3.10). */
  mlflowWorkspaces?: boolean;
  /** Overrides the data directory (default `$MATIH_HOME`, else `~/.matih`). */
  dataDir?: string;
  /** Tenants the user added; the sidebar also shows those the backend already holds. */
  tenants: string[];
  /** The tenant scripts and notebooks log to (MLflow clients whose URI names no tenant). */
  activeTenant: string;
  /**
   * Where new experiments keep their artifacts on the embedded store, like `mlflow server
   * --artifacts-destination`: an absolute folder, a `file:` URI or `s3://bucket[/prefix]`
   * (default `<data dir>/artifacts`). With `backend: mlflow` the server decides.
   */
  artifactsDestination?: string;
  /** An S3-compatible endpoint (MinIO, SeaweedFS, ...) for `s3:` artifacts; AWS when absent. */
  s3EndpointUrl?: string;
  /** The S3 region (default from the AWS environment, else us-east-1). */
  s3Region?: string;
  /** Path-style S3 addressing (`endpoint/bucket/key`), which most self-hosted servers need. */
  s3PathStyle?: boolean;
}

/** S3 keys for `s3:` artifacts, kept in SecretStorage; absent: the AWS environment and profile chain. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Credentials for an MLflow server (and, optionally, S3 keys for artifacts), kept in VS Code's
 * SecretStorage and sent only to the daemon.
 */
export type BackendCredentials = (
  | { username: string; password: string }
  | { token: string }
  | { username?: never; password?: never; token?: never }
) & { s3?: S3Credentials };

/** The settings the daemon starts with (`initializationOptions` of the LSP `initialize` request). */
export interface InitializationOptions {
  settings: DaemonSettings;
  /** Omitted or `{}` when the user stored none. */
  credentials?: BackendCredentials;
}

export const DEFAULT_SETTINGS: DaemonSettings = {
  backend: 'embedded',
  tenants: [],
  activeTenant: 'default',
};

/** Tenant ids as DESIGN §8 has them; the message is what the user sees. */
export const TenantIdSchema = z
  .string()
  .regex(TENANT_ID_PATTERN, "must be 1-63 characters of lowercase letters, digits and '-'");

/** VS Code string settings default to "", which means "not set". */
const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** scheme, optional user info, host[:port], rest. No `URL` here: protocol/ has no DOM or Node globals. */
const HTTP_URL = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(?:([^@/?#]*)@)?([^/?#@]+)([/?#].*)?$/;

/** `s3://bucket[/prefix]`, an absolute folder or a `file:` URI; the daemon checks it in full. */
const ArtifactsDestination = optionalText.superRefine((value, ctx) => {
  if (value === undefined) return;
  const absolute = value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) || value.startsWith('\\\\');
  if (!absolute && !/^(s3|file):\/\//i.test(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be an absolute folder, a file: URI or s3://bucket/prefix' });
  }
});

const S3EndpointUrl = optionalText.superRefine((value, ctx) => {
  if (value === undefined) return;
  const m = HTTP_URL.exec(value);
  const scheme = m?.[1]?.toLowerCase();
  if (!m || (scheme !== 'http' && scheme !== 'https')) ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL such as http://localhost:9000' });
  else if (m[2] !== undefined) ctx.addIssue({ code: 'custom', message: 'must not contain credentials; store S3 keys with the credentials command instead' });
});

const MlflowUri = optionalText.superRefine((value, ctx) => {
  if (value === undefined) return;
  const m = HTTP_URL.exec(value);
  const scheme = m?.[1]?.toLowerCase();
  if (!m || (scheme !== 'http' && scheme !== 'https')) {
    // The value is not echoed: a mistyped URL may still hold a password.
    ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL such as http://localhost:5000' });
  } else if (m[2] !== undefined) {
    // Settings files are plain text and end up in logs and screenshots.
    ctx.addIssue({
      code: 'custom',
      message: 'must not contain a user name or password; store MLflow credentials with the credentials command instead',
    });
  }
});

/**
 * Checks settings and fills defaults. Unknown keys are ignored, so the extension may pass its
 * whole configuration section; the fields above are checked strictly.
 */
export const DaemonSettingsSchema = z
  .object({
    backend: z.enum(['embedded', 'mlflow']).default('embedded'),
    mlflowUri: MlflowUri,
    mlflowWorkspaces: z.boolean().optional(),
    dataDir: optionalText,
    tenants: z.array(TenantIdSchema).max(1000).default([]),
    activeTenant: TenantIdSchema.default('default'),
    artifactsDestination: ArtifactsDestination,
    s3EndpointUrl: S3EndpointUrl,
    s3Region: optionalText,
    s3PathStyle: z.boolean().optional(),
  })
  .superRefine((s, ctx) => {
    if (s.backend === 'mlflow' && s.mlflowUri === undefined) {
      ctx.addIssue({ code: 'custom', path: ['mlflowUri'], message: 'is required when backend is mlflow' });
    }
  });

/**
 * One object rather than a union of the three shapes, so a mistake gets a message naming the
 * missing field ("password: is required with a user name") instead of "Invalid input". Values
 * never appear in messages.
 */
export const BackendCredentialsSchema = z
  .strictObject({
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    token: z.string().min(1).optional(),
    s3: z
      .strictObject({
        accessKeyId: z.string().min(1),
        secretAccessKey: z.string().min(1),
        sessionToken: z.string().min(1).optional(),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    const basic = c.username !== undefined || c.password !== undefined;
    if (basic && c.token !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give a user name and password, or a token, not both' });
    } else if (c.password !== undefined && c.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'is required with a password' });
    } else if (c.username !== undefined && c.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'is required with a user name' });
    }
  })
  .transform((c): BackendCredentials => {
    const s3 = c.s3 ? { s3: c.s3 } : {};
    if (c.token !== undefined) return { token: c.token, ...s3 };
    if (c.username !== undefined) return { username: c.username, password: c.password ?? '', ...s3 };
    return s3;
  });

export const InitializationOptionsSchema = z.strictObject({
  settings: DaemonSettingsSchema,
  credentials: BackendCredentialsSchema.default({}),
});

// Compile-time checks that the schemas produce the documented types.
const _settings: DaemonSettings = {} as z.output<typeof DaemonSettingsSchema>;
const _credentials: BackendCredentials = {} as z.output<typeof BackendCredentialsSchema>;
void _settings;
void _credentials;
