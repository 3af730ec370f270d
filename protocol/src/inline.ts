/**
 * Inline metrics beside the code (DESIGN §9, issue 5 "In the editor"): the daemon answers the
 * standard `textDocument/codeLens` and `textDocument/hover` for Python files and notebook cells,
 * above each `log_metric("key", …)` / `log_metrics({...})` call. These are the names both sides
 * agree on; the lens and hover contents are plain LSP.
 */

/** The Live panel's command: arguments `(runId: string, tenant: string)`. */
export const LIVE_OPEN_COMMAND = 'matih.live.open';

/**
 * What a code lens runs: the extension's wrapper, arguments {@link InlineOpenLiveArgs} in order.
 * It forwards to {@link LIVE_OPEN_COMMAND}, or says readably that the Live panel is not available.
 */
export const INLINE_OPEN_LIVE_COMMAND = 'matih.inline.openLive';

/** The wrapper's arguments, in order: `[runId, tenant]`. */
export type InlineOpenLiveArgs = [runId: string, tenant: string];

/** Shortest time between two `workspace/codeLens/refresh` requests the daemon sends. */
export const INLINE_REFRESH_MIN_INTERVAL_MS = 2000;

/** The lens title when no run of the active tenant has logged any of the document's keys. */
export const INLINE_NO_RUN = '(no run yet)';
