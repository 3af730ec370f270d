/**
 * How a download is labelled. The media type is guessed from the file name only (protocol's
 * `guessArtifactType`, the same guess the editor's previews use), never by sniffing the bytes:
 * an artifact is whatever a script wrote. Downloads always go out as attachments with `nosniff`,
 * so the label is a hint for tools, not an invitation to render.
 */
import type { ArtifactFile } from './artifacts.ts';

/**
 * A `Content-Disposition: attachment` value for the file's base name: an ASCII fallback with
 * anything outside printable ASCII (and quotes, backslashes, `%`) replaced, plus the exact name in
 * RFC 8187 `filename*` form, so no header injection and no mangled Unicode names.
 */
export function attachmentDisposition(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1) || 'artifact';
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * The headers of a file download on every HTTP surface: its guessed type, always an attachment,
 * and a sandboxing CSP (a file a script wrote may be HTML; it must never run as a page of this
 * origin).
 */
export function downloadHeaders(file: ArtifactFile): Record<string, string> {
  return {
    'Content-Type': file.contentType,
    'Content-Disposition': attachmentDisposition(file.path),
    'Content-Security-Policy': "default-src 'none'; sandbox",
    ...(file.size !== undefined ? { 'Content-Length': String(file.size) } : {}),
  };
}
