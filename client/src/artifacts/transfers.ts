/**
 * Uploads and downloads as the user sees them: a cancellable notification that follows the
 * daemon's work-done progress (`$/progress` under a token made here), whose Cancel button cancels
 * the request, which stops the daemon's transfer (it removes any partly written file).
 */
import { randomUUID } from 'node:crypto';
import { ProgressLocation, window } from 'vscode';
import type { Disposable } from 'vscode';
import { formatBytes } from '../../../protocol/src/index.ts';
import type { ArtifactTransferView, ParamsOf, RequestDef } from '../../../protocol/src/index.ts';
import type { DaemonApi } from '../daemon/daemonClient.ts';

/** What a transfer needs from the daemon owner: requests, and the progress they report. */
export interface TransferDaemon {
  request: DaemonApi['request'];
  onWorkDoneProgress(
    token: string,
    handler: (value: { kind: 'begin' | 'report' | 'end'; message?: string; percentage?: number }) => void,
  ): Disposable;
}

/** The transfer's outcome; `undefined` when the user cancelled it. */
export async function transfer<D extends RequestDef<any, ArtifactTransferView, any>>(
  daemon: TransferDaemon,
  title: string,
  def: D,
  params: Omit<ParamsOf<D>, 'workDoneToken'>,
): Promise<ArtifactTransferView | undefined> {
  return window.withProgress({ location: ProgressLocation.Notification, title, cancellable: true }, async (progress, cancel) => {
    const token = `matih-transfer-${randomUUID()}`;
    let shown = 0;
    const following = daemon.onWorkDoneProgress(token, (value) => {
      if (value.kind === 'end') return;
      // VS Code adds increments; the daemon reports where it is.
      const percentage = value.percentage ?? shown;
      progress.report({ ...(value.message !== undefined ? { message: value.message } : {}), increment: Math.max(0, percentage - shown) });
      shown = Math.max(shown, percentage);
    });
    try {
      return await daemon.request(def, { ...params, workDoneToken: token } as ParamsOf<D>, cancel);
    } catch (error) {
      if (cancel.isCancellationRequested) return undefined;
      throw error;
    } finally {
      following.dispose();
    }
  });
}

/** "3 files, 12 MB" / "train.csv (1.2 MB)": what a finished transfer says. */
export function describeTransfer(result: ArtifactTransferView, single?: string): string {
  if (single !== undefined && result.files === 1) return `${single} (${formatBytes(result.bytes)})`;
  return `${result.files} ${result.files === 1 ? 'file' : 'files'}, ${formatBytes(result.bytes)}`;
}
