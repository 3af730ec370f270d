/** Registers every command; one module per area. */
import type { Disposable } from 'vscode';
import { registerArtifactCredentialCommands } from './artifactCredentials.ts';
import { registerArtifactCommands } from './artifacts.ts';
import { registerBackendCommands } from './backend.ts';
import { registerExperimentCommands } from './experiments.ts';
import { registerRunQueryCommands } from './runQuery.ts';
import { registerRunCommands } from './runs.ts';
import type { CommandDeps } from './shared.ts';
import { registerTenantCommands } from './tenants.ts';
import { registerViewCommands } from './view.ts';

export function registerCommands(deps: CommandDeps): Disposable[] {
  return [
    ...registerExperimentCommands(deps),
    ...registerRunQueryCommands(deps),
    ...registerRunCommands(deps),
    ...registerTenantCommands(deps),
    ...registerBackendCommands(deps),
    ...registerViewCommands(deps),
    ...registerArtifactCommands(deps),
    ...registerArtifactCredentialCommands(deps),
  ];
}
