/**
 * How a failed command is shown: the daemon's message, and where a next step exists, a button
 * for it. Today that is S3 refusing (or finding no) keys for artifacts, which offers
 * "Set Credentials…" right where the user meets the problem.
 */
import { commands, window } from 'vscode';
import { isS3AuthError, s3AuthFailureMessage } from '../config/s3Credentials.ts';
import { Commands } from './ids.ts';

export const SET_CREDENTIALS = 'Set Credentials…';

/** Shows `message` (already readable) for `error`, with the action the error calls for. */
export async function showFailure(message: string, error: unknown): Promise<void> {
  if (!isS3AuthError(error)) {
    await window.showErrorMessage(message);
    return;
  }
  const choice = await window.showErrorMessage(s3AuthFailureMessage(message), SET_CREDENTIALS);
  if (choice === SET_CREDENTIALS) await commands.executeCommand(Commands.setArtifactCredentials);
}
