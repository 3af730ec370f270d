/**
 * Every command id, in one place: the manifest (`package.json` `contributes.commands`), the
 * registrations and the tree's click targets all use these, and `test/client/manifest.test.ts`
 * checks that the manifest and this list agree.
 */
import { ArtifactCommands } from '../artifacts/ids.ts';
import { ScriptCommands } from '../scripts/ids.ts';

export const Commands = {
  // Experiments
  createExperiment: 'matih.experiment.create',
  renameExperiment: 'matih.experiment.rename',
  editExperimentDescription: 'matih.experiment.editDescription',
  editExperimentTags: 'matih.experiment.editTags',
  archiveExperiment: 'matih.experiment.archive',
  restoreExperiment: 'matih.experiment.restore',
  copyExperimentId: 'matih.experiment.copyId',
  // The run query of one experiment
  filterRuns: 'matih.experiment.filterRuns',
  orderRuns: 'matih.experiment.orderRuns',
  clearRunQuery: 'matih.experiment.clearRunQuery',
  // Runs
  createRun: 'matih.run.create',
  renameRun: 'matih.run.rename',
  setRunTag: 'matih.run.setTag',
  deleteRunTag: 'matih.run.deleteTag',
  archiveRun: 'matih.run.archive',
  restoreRun: 'matih.run.restore',
  markRunFinished: 'matih.run.markFinished',
  markRunFailed: 'matih.run.markFailed',
  markRunKilled: 'matih.run.markKilled',
  copyRunId: 'matih.run.copyId',
  openRunInMlflow: 'matih.run.openInMlflow',
  /** Opens Compare Runs; other panels pass `{ tenant, runIds }`, the tree its selection. */
  compareRuns: 'matih.runs.compare',
  openRunsTable: 'matih.runs.openTable',
  openRunDetails: 'matih.run.openDetails',
  // Tenants
  addTenant: 'matih.tenant.add',
  switchTenant: 'matih.tenant.switch',
  activateTenant: 'matih.tenant.activate',
  // Backend and daemon
  chooseBackend: 'matih.backend.choose',
  showStatus: 'matih.daemon.showStatus',
  restartDaemon: 'matih.daemon.restart',
  showOutput: 'matih.daemon.showOutput',
  // S3 keys for artifacts
  setArtifactCredentials: 'matih.artifacts.setCredentials',
  clearArtifactCredentials: 'matih.artifacts.clearCredentials',
  // The sidebar
  refresh: 'matih.view.refresh',
  loadMore: 'matih.view.loadMore',
  showArchived: 'matih.view.showArchived',
  hideArchived: 'matih.view.hideArchived',
  copyValue: 'matih.view.copyValue',
  // Live metrics, scripts and notebooks
  openLiveMetrics: 'matih.live.open',
  ...ScriptCommands,
  connectNotebook: 'matih.notebook.connect',
  // Artifacts
  ...ArtifactCommands,
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];

/** The sidebar's ids, shared by the manifest and `createTreeView`. */
export const VIEW_CONTAINER_ID = 'matih';
export const TREE_VIEW_ID = 'matih.experiments';
