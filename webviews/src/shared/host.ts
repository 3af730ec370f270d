/**
 * A panel page's side of the channel to the extension, the same for every page: the editor's API
 * (acquired once per page — VS Code refuses a second call), messages out, the state kept across
 * hide/show and reloads, and messages in, each validated on arrival and dropped with a console
 * warning when the schema refuses it. Browser code only: no Node, no `vscode` module.
 */
import type { ZodType } from 'zod';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface PanelPage<Out> {
  post(message: Out): void;
  /** What the page kept with `setState`, unchecked: parse it with the panel's state schema. */
  getState(): unknown;
  setState(state: unknown): void;
}

/**
 * The page's channel. With `outgoing`, messages are checked on the way out too: a bug here shows
 * in the console instead of as a message the extension drops.
 */
export function acquirePage<Out extends { type: string }>(name: string, outgoing?: ZodType<Out>): PanelPage<Out> {
  const vscode = acquireVsCodeApi();
  return {
    post(message: Out): void {
      if (outgoing !== undefined && !outgoing.safeParse(message).success) {
        console.warn(`MATIH ${name}: not sending an invalid ${message.type} message`);
        return;
      }
      vscode.postMessage(message);
    },
    getState: () => vscode.getState(),
    setState: (state: unknown) => vscode.setState(state),
  };
}

/** Hands every message from the extension that `schema` accepts to `handle`; the rest are dropped. */
export function onPageMessage<In>(name: string, schema: ZodType<In>, handle: (message: In) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    const parsed = schema.safeParse(event.data);
    if (!parsed.success) {
      console.warn(`MATIH ${name}: ignored a malformed message`);
      return;
    }
    handle(parsed.data);
  });
}
