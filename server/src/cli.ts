import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ArtifactConfig, parseByteSize, s3SettingsFromEnv } from './config/artifact-config.ts';
import { type BackendConfig, mlflowAuthFromEnv } from './config/backend-config.ts';
import { resolveDataDir } from './config/data-dir.ts';
import { readTokenFile } from './config/token.ts';
import { startDaemon } from './daemon.ts';

const USAGE = `Usage: matihd serve [options]

  --port N                        port to listen on (default 8000; 0 picks a free one)
  --host H                        interface to bind (default 127.0.0.1)
  --data-dir DIR                  where the embedded store lives (default $MATIH_HOME or ~/.matih)
  --token-file FILE               require "Authorization: Bearer <token>" with the token in FILE (mode 0600)
  --token-tenant ID               bind the token to one tenant: requests naming another tenant are refused
  --allowed-host NAME             accept this name in the Host header too (repeatable)
  --allowed-origin ORIGIN         let browser pages on ORIGIN call the API (repeatable)
  --allow-unauthenticated-remote  allow a non-loopback --host without --token-file
  --backend embedded|mlflow       where tracking data goes (default embedded)
  --mlflow-uri URL                the MLflow tracking server for --backend mlflow; credentials come from
                                  MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD
  --mlflow-workspaces             give each tenant the MLflow workspace of the same name (MLflow >= 3.10)
  --default-tenant ID             tenant of MLflow clients whose tracking URI has no /tenants/<id> (default "default")
  --artifacts-destination DEST    where new experiments keep artifacts (embedded store): an absolute folder or
                                  s3://bucket/prefix (default <data dir>/artifacts); with --backend mlflow the
                                  server decides. S3 credentials come from the AWS environment / profile chain
  --s3-endpoint-url URL           an S3-compatible server (MinIO, SeaweedFS); default MLFLOW_S3_ENDPOINT_URL, else AWS
  --s3-region REGION              S3 region (default AWS_REGION / AWS_DEFAULT_REGION, else us-east-1)
  --s3-path-style                 path-style S3 addressing (endpoint/bucket/key), for most self-hosted servers
  --max-upload-size SIZE          largest single artifact upload, e.g. 500MiB or 20GiB (default 10GiB)
  --quiet                         do not log requests`;

/** `matihd serve`: the daemon without the editor, so curl and other tools can use the API. */
async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '8000' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      'token-file': { type: 'string' },
      'token-tenant': { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      'allowed-origin': { type: 'string', multiple: true },
      'allow-unauthenticated-remote': { type: 'boolean', default: false },
      backend: { type: 'string', default: 'embedded' },
      'mlflow-uri': { type: 'string' },
      'mlflow-workspaces': { type: 'boolean', default: false },
      'default-tenant': { type: 'string', default: 'default' },
      'artifacts-destination': { type: 'string' },
      's3-endpoint-url': { type: 'string' },
      's3-region': { type: 'string' },
      's3-path-style': { type: 'boolean', default: false },
      'max-upload-size': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals[0] !== 'serve' || positionals.length !== 1) {
    console.log(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${values.port}`);
  const dataDir = resolveDataDir(values['data-dir']);
  const backend = backendFromArgs(values.backend, values['mlflow-uri'], values['mlflow-workspaces']);
  const token = values['token-file'] ? await readTokenFile(values['token-file']) : undefined;
  const env = s3SettingsFromEnv();
  const endpointUrl = values['s3-endpoint-url'] ?? env.endpointUrl;
  const region = values['s3-region'] ?? env.region;
  const artifacts: ArtifactConfig = {
    ...(values['artifacts-destination'] ? { destination: destinationArg(values['artifacts-destination']) } : {}),
    s3: { ...(endpointUrl ? { endpointUrl } : {}), ...(region ? { region } : {}), ...(values['s3-path-style'] ? { pathStyle: true } : {}) },
    ...(values['max-upload-size'] ? { maxUploadBytes: parseByteSize(values['max-upload-size'], '--max-upload-size') } : {}),
  };
  const daemon = await startDaemon({
    host: values.host,
    port,
    dataDir,
    backend,
    artifacts,
    defaultTenant: values['default-tenant'],
    ...(token ? { token } : {}),
    ...(values['token-tenant'] ? { tokenTenant: values['token-tenant'] } : {}),
    allowUnauthenticatedRemote: values['allow-unauthenticated-remote'],
    extraHosts: values['allowed-host'] ?? [],
    allowedOrigins: values['allowed-origin'] ?? [],
    ...(values.quiet ? {} : { log: (line: string) => console.log(line) }),
  });
  const where = backend.kind === 'embedded' ? `embedded store in ${dataDir}` : daemon.backendDescription;
  console.log(`MATIH daemon listening on ${daemon.url} (${where}; artifacts in ${daemon.artifactDestination}${token ? '; token required' : ''})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing requests in flight, then closing the store`);
    daemon.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** A relative folder is taken from the current directory, as `mlflow server` does; URIs stay as given. */
function destinationArg(value: string): string {
  return /^[a-z][a-z0-9+.-]+:/i.test(value) || isAbsolute(value) ? value : resolve(value);
}

function backendFromArgs(kind: string, uri: string | undefined, workspaces: boolean): BackendConfig {
  if (kind === 'embedded') {
    if (uri || workspaces) throw new Error('--mlflow-uri and --mlflow-workspaces need --backend mlflow');
    return { kind: 'embedded' };
  }
  if (kind !== 'mlflow') throw new Error(`--backend must be embedded or mlflow, got '${kind}'`);
  if (!uri) throw new Error('--backend mlflow needs --mlflow-uri URL');
  if (!/^https?:\/\//.test(uri)) throw new Error(`--mlflow-uri must be an http(s) URL, got '${uri}'`);
  const auth = mlflowAuthFromEnv();
  return { kind: 'mlflow', uri, ...(auth ? { auth } : {}), ...(workspaces ? { workspaces: 'same-name' as const } : {}) };
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`matihd: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
