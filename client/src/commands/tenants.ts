/**
 * Tenant commands: add a tenant, switch the active tenant (from the palette, the status bar or
 * a tenant's context menu). The active tenant is a setting, so every window and the daemon
 * follow it without a reload.
 */
import { window } from 'vscode';
import type { Disposable, QuickPickItem } from 'vscode';
import { Tenants } from '../../../protocol/src/index.ts';
import { DEFAULT_TENANT, sidebarTenants } from '../config/settingsModel.ts';
import { readableError } from '../util/errors.ts';
import { checkTenantId } from '../util/validation.ts';
import type { TenantNode } from '../views/nodes/tenantNode.ts';
import { Commands } from './ids.ts';
import { ask, register } from './shared.ts';
import type { CommandDeps } from './shared.ts';

async function activate(deps: CommandDeps, tenant: string): Promise<void> {
  if (deps.settings.current.activeTenant === tenant) return;
  await deps.settings.update('activeTenant', tenant);
  window.setStatusBarMessage(`$(organization) Active tenant: ${tenant}`, 4000);
}

/** Adds a tenant; `activate` true switches to it, otherwise the user is offered the switch. */
async function addTenant(deps: CommandDeps, activateIt?: boolean): Promise<string | undefined> {
  const configured = deps.settings.current.tenants;
  const tenant = await ask({
    title: 'Add Tenant',
    prompt: 'Tenant id: lowercase letters, digits and "-", up to 63 characters',
    placeHolder: 'e.g. acme-corp',
    check: (value) => checkTenantId(value) ?? (configured.includes(value) ? `"${value}" is already added` : undefined),
  });
  if (tenant === undefined) return undefined;
  await deps.settings.update('tenants', [...configured, tenant]);
  if (activateIt === true) {
    await activate(deps, tenant);
    return tenant;
  }
  const choice = await window.showInformationMessage(
    `Added tenant "${tenant}". Make it the active tenant, where scripts log and new experiments go?`,
    'Make Active',
  );
  if (choice === 'Make Active') await activate(deps, tenant);
  return tenant;
}

interface TenantItem extends QuickPickItem {
  tenant?: string;
}

async function switchTenant(deps: CommandDeps): Promise<void> {
  const settings = deps.settings.current;
  let known: string[] = [];
  try {
    known = (await deps.daemon.request(Tenants.list, { configured: settings.tenants })).tenants;
  } catch (error) {
    deps.log.warn(`Listing tenants: ${readableError(error)}; offering the configured ones`);
  }
  // `default` is always offered: it is where MLflow clients log when their URI names no tenant.
  const items: TenantItem[] = sidebarTenants(settings, [...known, DEFAULT_TENANT]).map((tenant) => ({
    label: tenant,
    description: tenant === settings.activeTenant ? 'active' : undefined,
    tenant,
  }));
  items.push({ label: '$(add) Add Tenant…', alwaysShow: true });
  const picked = await window.showQuickPick(items, {
    title: 'Switch Active Tenant',
    placeHolder: `Active: ${settings.activeTenant}. Scripts, notebooks and new experiments use the active tenant.`,
  });
  if (picked === undefined) return;
  if (picked.tenant === undefined) {
    await addTenant(deps, true);
    return;
  }
  await activate(deps, picked.tenant);
}

export function registerTenantCommands(deps: CommandDeps): Disposable[] {
  return [
    register(deps, Commands.addTenant, () => addTenant(deps)),
    register(deps, Commands.switchTenant, () => switchTenant(deps)),
    register(deps, Commands.activateTenant, (node?: TenantNode) => node && activate(deps, node.tenant)),
  ];
}
