import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DaemonSettingsSchema } from '../../protocol/src/index.ts';
import {
  SETTING_KEYS,
  credentialKey,
  normalizeSettings,
  sameDaemonSettings,
  sidebarTenants,
  toDaemonSettings,
} from '../../client/src/config/settingsModel.ts';

describe('settings', () => {
  it('fills defaults for a fresh install', () => {
    const { settings, problems } = normalizeSettings({});
    assert.deepEqual(problems, []);
    assert.equal(settings.backend, 'embedded');
    assert.equal(settings.activeTenant, 'default');
    assert.deepEqual(settings.tenants, []);
    assert.equal(settings.pageSize, 100);
    assert.equal(settings.traceServer, 'off');
    assert.equal(settings.showArchived, false);
  });

  it('drops invalid and repeated tenants, and says so', () => {
    const { settings, problems } = normalizeSettings({ tenants: ['acme', 'Bad Tenant', 'acme', 42, 'beta'] });
    assert.deepEqual(settings.tenants, ['acme', 'beta']);
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /Bad Tenant/);
  });

  it('falls back to the default tenant when the active one is invalid', () => {
    const { settings, problems } = normalizeSettings({ activeTenant: 'ACME' });
    assert.equal(settings.activeTenant, 'default');
    assert.match(problems[0] ?? '', /not a valid tenant id/);
  });

  it('clamps the page size and ignores unknown enum values', () => {
    assert.equal(normalizeSettings({ pageSize: 0 }).settings.pageSize, 1);
    assert.equal(normalizeSettings({ pageSize: 5000 }).settings.pageSize, 1000);
    assert.equal(normalizeSettings({ pageSize: 2.5 }).settings.pageSize, 100);
    assert.equal(normalizeSettings({ backend: 'postgres' }).settings.backend, 'embedded');
    assert.equal(normalizeSettings({ traceServer: 'verbose' }).settings.traceServer, 'verbose');
  });

  it('warns when MLflow is chosen without a URL', () => {
    assert.match(normalizeSettings({ backend: 'mlflow' }).problems[0] ?? '', /mlflow\.uri is empty/);
  });

  it('sends the daemon only what is set, in a shape its schema accepts', () => {
    const embedded = toDaemonSettings(normalizeSettings({ tenants: ['acme'] }).settings);
    assert.deepEqual(embedded, { backend: 'embedded', tenants: ['acme'], activeTenant: 'default' });
    const mlflow = toDaemonSettings(
      normalizeSettings({
        backend: 'mlflow',
        mlflowUri: ' https://mlflow.example.com/ ',
        mlflowWorkspaces: true,
        dataDir: '/data',
        activeTenant: 'acme',
      }).settings,
    );
    assert.deepEqual(mlflow, {
      backend: 'mlflow',
      mlflowUri: 'https://mlflow.example.com',
      mlflowWorkspaces: true,
      dataDir: '/data',
      tenants: [],
      activeTenant: 'acme',
    });
    assert.equal(DaemonSettingsSchema.safeParse(embedded).success, true);
    assert.equal(DaemonSettingsSchema.safeParse(mlflow).success, true);
    assert.equal(sameDaemonSettings(embedded, { ...embedded }), true);
    assert.equal(sameDaemonSettings(embedded, mlflow), false);
  });

  it('keys credentials by server, ignoring a trailing slash', () => {
    assert.equal(credentialKey('https://a.example/'), credentialKey('https://a.example'));
    assert.notEqual(credentialKey('https://a.example'), credentialKey('https://b.example'));
  });

  it('lists the active tenant first, then the others sorted, each once', () => {
    const { settings } = normalizeSettings({ tenants: ['zeta', 'acme'], activeTenant: 'mid' });
    assert.deepEqual(sidebarTenants(settings, ['acme', 'beta', 'mid', 'Not-Valid']), ['mid', 'acme', 'beta', 'zeta']);
  });

  it('fills the artifact settings with their defaults, which the daemon is not sent', () => {
    const { settings, problems } = normalizeSettings({});
    assert.deepEqual(problems, []);
    assert.equal(settings.artifactsDestination, '');
    assert.equal(settings.s3EndpointUrl, '');
    assert.equal(settings.s3Region, '');
    assert.equal(settings.s3PathStyle, false);
    const daemon = toDaemonSettings(settings);
    for (const key of ['artifactsDestination', 's3EndpointUrl', 's3Region', 's3PathStyle']) assert.equal(key in daemon, false, key);
  });

  it('sends the artifact settings the daemon schema accepts, trimmed', () => {
    const { settings, problems } = normalizeSettings({
      artifactsDestination: ' s3://ml-artifacts/team-a ',
      s3EndpointUrl: 'http://127.0.0.1:9000/',
      s3Region: ' eu-west-1 ',
      s3PathStyle: true,
    });
    assert.deepEqual(problems, []);
    const daemon = toDaemonSettings(settings);
    assert.deepEqual(daemon, {
      backend: 'embedded',
      tenants: [],
      activeTenant: 'default',
      artifactsDestination: 's3://ml-artifacts/team-a',
      s3EndpointUrl: 'http://127.0.0.1:9000',
      s3Region: 'eu-west-1',
      s3PathStyle: true,
    });
    const parsed = DaemonSettingsSchema.safeParse(daemon);
    assert.equal(parsed.success, true);
    assert.equal(parsed.data?.artifactsDestination, 's3://ml-artifacts/team-a');
    // Folders and file: URIs are destinations too.
    for (const folder of ['/srv/artifacts', 'file:///srv/artifacts', 'C:\\artifacts', '\\\\nas\\share']) {
      const s = normalizeSettings({ artifactsDestination: folder });
      assert.deepEqual(s.problems, [], folder);
      assert.equal(toDaemonSettings(s.settings).artifactsDestination, folder);
      assert.equal(DaemonSettingsSchema.safeParse(toDaemonSettings(s.settings)).success, true, folder);
    }
  });

  it('drops an unusable artifact setting with a message naming it, so the daemon still starts', () => {
    const relative = normalizeSettings({ artifactsDestination: 'artifacts/here' });
    assert.equal(relative.settings.artifactsDestination, '');
    assert.match(relative.problems[0] ?? '', /^matih\.artifacts\.destination: must be an absolute folder, a file: URI or s3:\/\/bucket\/prefix/);
    const noBucket = normalizeSettings({ artifactsDestination: 's3://' });
    assert.match(noBucket.problems[0] ?? '', /matih\.artifacts\.destination: must name a bucket/);

    const ftp = normalizeSettings({ s3EndpointUrl: 'ftp://files.example' });
    assert.equal(ftp.settings.s3EndpointUrl, '');
    assert.match(ftp.problems[0] ?? '', /^matih\.artifacts\.s3\.endpointUrl: must start with http:\/\/ or https:\/\//);
    assert.match(normalizeSettings({ s3EndpointUrl: 'not a url' }).problems[0] ?? '', /is not a URL/);
    // Keys typed into the URL are refused without echoing them.
    const withKeys = normalizeSettings({ s3EndpointUrl: 'http://AKIAEXAMPLE:sekrit@minio:9000' });
    assert.equal(withKeys.settings.s3EndpointUrl, '');
    assert.match(withKeys.problems[0] ?? '', /must not contain credentials; store S3 keys with "MATIH: Set Artifact Storage Credentials…"/);
    assert.doesNotMatch(withKeys.problems.join('\n'), /sekrit|AKIAEXAMPLE/);

    const region = normalizeSettings({ s3Region: 'eu west' });
    assert.equal(region.settings.s3Region, '');
    assert.match(region.problems[0] ?? '', /^matih\.artifacts\.s3\.region: "eu west" is not a region name/);
    // A non-boolean path-style flag is off; wrong JSON types are not strings.
    assert.equal(normalizeSettings({ s3PathStyle: 'yes' }).settings.s3PathStyle, false);
    assert.equal(normalizeSettings({ artifactsDestination: 42 }).settings.artifactsDestination, '');
    for (const bad of [relative, noBucket, ftp, withKeys, region]) {
      assert.equal(DaemonSettingsSchema.safeParse(toDaemonSettings(bad.settings)).success, true);
    }
  });

  it('reads every setting from a key package.json declares, with the matching type', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      contributes: { configuration: { properties: Record<string, { type?: string | string[] }> } };
    };
    const properties = manifest.contributes.configuration.properties;
    const defaults = normalizeSettings({}).settings;
    for (const [field, key] of Object.entries(SETTING_KEYS)) {
      const declared = properties[`matih.${key}`];
      assert.ok(declared, `matih.${key}`);
      const value = defaults[field as keyof typeof defaults];
      const expected = Array.isArray(value) ? 'array' : typeof value === 'number' ? ['number', 'integer'] : typeof value;
      const types = [declared.type ?? []].flat();
      assert.ok([expected].flat().some((t) => types.includes(t)), `matih.${key}: ${String(declared.type)} vs ${String(expected)}`);
    }
  });
});
