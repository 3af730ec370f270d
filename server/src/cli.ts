import { parseArgs } from 'node:util';
import { resolveDataDir } from './config/data-dir.ts';
import { readTokenFile } from './config/token.ts';
import { startDaemon } from './daemon.ts';

const USAGE = `Usage: matihd serve [options]

  --port N                        port to listen on (default 8000; 0 picks a free one)
  --host H                        interface to bind (default 127.0.0.1)
  --data-dir DIR                  where the embedded store lives (default $MATIH_HOME or ~/.matih)
  --token-file FILE               require "Authorization: Bearer <token>" with the token in FILE (mode 0600)
  --allowed-host NAME             accept this name in the Host header too (repeatable)
  --allowed-origin ORIGIN         let browser pages on ORIGIN call the API (repeatable)
  --allow-unauthenticated-remote  allow a non-loopback --host without --token-file
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
      'allowed-host': { type: 'string', multiple: true },
      'allowed-origin': { type: 'string', multiple: true },
      'allow-unauthenticated-remote': { type: 'boolean', default: false },
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
  const token = values['token-file'] ? await readTokenFile(values['token-file']) : undefined;
  const daemon = await startDaemon({
    host: values.host,
    port,
    dataDir,
    ...(token ? { token } : {}),
    allowUnauthenticatedRemote: values['allow-unauthenticated-remote'],
    extraHosts: values['allowed-host'] ?? [],
    allowedOrigins: values['allowed-origin'] ?? [],
    ...(values.quiet ? {} : { log: (line: string) => console.log(line) }),
  });
  console.log(`MATIH daemon listening on ${daemon.url} (embedded store in ${dataDir}${token ? ', token required' : ''})`);

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

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`matihd: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
