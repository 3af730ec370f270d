import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DaemonSettingsSchema } from '../../protocol/src/index.ts';
import {
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
});
