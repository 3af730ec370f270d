/**
 * What the renderer exchanges with the extension: the schemas and types of
 * `protocol/src/notebook-renderer.ts` (shared with `client/src/notebooks/liveRendererMessaging.ts`),
 * under the names the renderer uses. Imported from that file directly, not protocol's index, so
 * the renderer's bundle holds only these schemas.
 */
export {
  LIVE_OUTPUT_MIME as LIVE_MIME_TYPE,
  LIVE_RENDERER_ID as RENDERER_ID,
  LiveExtensionToRenderer as ExtensionToRenderer,
  LiveOutput,
  LiveRendererToExtension as RendererToExtension,
} from '../../../protocol/src/notebook-renderer.ts';
export type { LiveRendererPoint as PointTuple } from '../../../protocol/src/notebook-renderer.ts';
