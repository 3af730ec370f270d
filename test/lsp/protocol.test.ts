import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ALL_REQUESTS,
  BackendCredentialsSchema,
  Daemon,
  DaemonSettingsSchema,
  Experiments,
  InitializationOptionsSchema,
  type ParamsOf,
  type ResultOf,
  Runs,
  type RunView,
  Tenants,
  type TenantListView,
} from '../../protocol/src/index.ts';
import { describeError, toResponseError } from '../../server/src/lsp/errors.ts';
import { Gate } from '../../server/src/lsp/gate.ts';
import { TrackingError, type TrackingErrorCode } from '../../server/src/tracking/errors.ts';

/** The protocol module and the daemon's error mapping, in process. */

test('every request has a unique matih/ method and a params schema', () => {
  assert.equal(new Set(ALL_REQUESTS).size, ALL_REQUESTS.length);
  assert.equal(ALL_REQUESTS.length, 30);
  for (const method of ALL_REQUESTS) assert.match(method, /^matih\/[a-z]+\/[a-zA-Z]+$/);
  assert.equal(Daemon.statusChanged.method, 'matih/daemon/statusChanged');
  assert.equal('params' in Daemon.statusChanged, false);
});

test('ParamsOf and ResultOf give what the caller sends and gets', () => {
  const params: ParamsOf<typeof Runs.list> = { tenant: 'acme', experimentId: '1' };
  const result: ResultOf<typeof Tenants.list> = { tenants: ['acme'] } satisfies TenantListView;
  const run: ResultOf<typeof Runs.get> | undefined = undefined as RunView | undefined;
  // @ts-expect-error a tenant is required
  const missing: ParamsOf<typeof Experiments.get> = { experimentId: '1' };
  assert.deepEqual([params, result, run, missing], [{ tenant: 'acme', experimentId: '1' }, { tenants: ['acme'] }, undefined, { experimentId: '1' }]);
  // The schema fills defaults the type leaves optional.
  assert.deepEqual(Runs.list.params.parse(params), { tenant: 'acme', experimentId: '1', showArchived: false, maxResults: 100 });
});

test('settings: defaults, "" as unset, unknown keys ignored', () => {
  assert.deepEqual(DaemonSettingsSchema.parse({}), { backend: 'embedded', tenants: [], activeTenant: 'default' });
  assert.deepEqual(DaemonSettingsSchema.parse({ backend: 'mlflow', mlflowUri: ' http://mlflow:5000/prefix ', dataDir: '', extra: 1 }), {
    backend: 'mlflow',
    mlflowUri: 'http://mlflow:5000/prefix',
    dataDir: undefined,
    tenants: [],
    activeTenant: 'default',
  });
  const r = DaemonSettingsSchema.safeParse({ backend: 'sqlite' });
  assert.equal(r.success, false);
  assert.equal(r.error!.issues[0]!.message, 'Invalid option: expected one of "embedded"|"mlflow"');
  assert.deepEqual(InitializationOptionsSchema.parse({ settings: {} }).credentials, {});
});

test('credentials: three shapes, and messages that name the missing field', () => {
  assert.deepEqual(BackendCredentialsSchema.parse({}), {});
  assert.deepEqual(BackendCredentialsSchema.parse({ token: 't' }), { token: 't' });
  assert.deepEqual(BackendCredentialsSchema.parse({ username: 'u', password: '' }), { username: 'u', password: '' });
  const messages = (v: unknown) => BackendCredentialsSchema.safeParse(v).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.deepEqual(messages({ username: 'u' }), ['password: is required with a user name']);
  assert.deepEqual(messages({ password: 'p' }), ['username: is required with a password']);
  assert.deepEqual(messages({ username: 'u', password: 'p', token: 't' }), [': give a user name and password, or a token, not both']);
  assert.deepEqual(messages({ apiKey: 'k' }), [': Unrecognized key: "apiKey"']);
});

test("each backend error answers the v1 API's code", () => {
  const expected: Record<TrackingErrorCode, [string, number]> = {
    INVALID_PARAMETER_VALUE: ['validation_error', -32602],
    RESOURCE_ALREADY_EXISTS: ['already_exists', -32803],
    RESOURCE_DOES_NOT_EXIST: ['not_found', -32803],
    INVALID_STATE: ['invalid_state', -32803],
    PERMISSION_DENIED: ['forbidden', -32803],
    UNAUTHENTICATED: ['unauthorized', -32803],
    REQUEST_LIMIT_EXCEEDED: ['rate_limited', -32803],
    TEMPORARILY_UNAVAILABLE: ['backend_unavailable', -32803],
    INTERNAL_ERROR: ['internal_error', -32603],
  };
  for (const [code, [name, rpc]] of Object.entries(expected)) {
    const e = toResponseError(new TrackingError(code as TrackingErrorCode, `m ${code}`));
    assert.deepEqual([e.code, e.message, e.data], [rpc, `m ${code}`, { code: name }], code);
  }
  // REST field names become the protocol's.
  assert.deepEqual(toResponseError(new TrackingError('INVALID_PARAMETER_VALUE', 'x', 'run_id')).data, { code: 'validation_error', field: 'runId' });
  assert.deepEqual(toResponseError(new TrackingError('INVALID_PARAMETER_VALUE', 'x', 'tags[2].key')).data, { code: 'validation_error', field: 'tags[2].key' });
  // A bug: a readable message, no stack in the answer.
  const bug = describeError(new TypeError("Cannot read properties of undefined (reading 'x')"));
  assert.deepEqual(bug, {
    code: 'internal_error',
    message: "Internal error in the daemon: Cannot read properties of undefined (reading 'x')",
    internal: true,
  });
});

test('the gate: a switch waits for requests in flight, new requests wait for the switch', async () => {
  const gate = new Gate();
  const events: string[] = [];
  let finishRequest!: () => void;
  const request = gate.shared(async () => {
    events.push('request start');
    await new Promise<void>((r) => (finishRequest = r));
    events.push('request end');
  });
  const change = gate.exclusive(async () => {
    events.push('switch');
  });
  const later = gate.shared(async () => {
    events.push('later request');
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(events, ['request start']);
  finishRequest();
  await Promise.all([request, change, later]);
  assert.deepEqual(events, ['request start', 'request end', 'switch', 'later request']);

  // A request that never ends holds a switch back only for the grace period.
  const stuck = gate.shared(() => new Promise<void>(() => {}));
  const started = Date.now();
  await gate.exclusive(async () => {}, 100);
  assert.ok(Date.now() - started >= 90);
  void stuck;
});
