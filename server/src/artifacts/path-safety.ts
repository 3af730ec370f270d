/**
 * The one guard every artifact store puts in front of a caller's relative path. MLflow's own
 * history (security-and-reliability.md §3) is a string of bypasses of piecemeal checks: `../`,
 * then `..\`, then `%2e%2e`, then double-encoded `%252e`, then `#` and `;` smuggling, then drive
 * letters and UNC paths. So this refuses the whole class in one place, on the raw string *and*
 * on every percent-decoding of it, because some layer below (an HTTP server, a proxy, S3 key
 * handling, MLflow's own artifact repository) may decode once or twice more.
 *
 * Literal characters such as `%`, `#`, `?` and `;` inside a file name are allowed: the stores
 * treat the path as opaque bytes and percent-encode each segment themselves where a URL is built.
 */
import { ArtifactPathError } from './store.ts';

/** Longest path accepted, in characters (checked before any other work). */
export const MAX_ARTIFACT_PATH_CHARS = 1024;
/** Longest single segment, in UTF-8 bytes (the common file-system name limit). */
export const MAX_ARTIFACT_SEGMENT_BYTES = 255;
/** Percent-decodings examined; past this many nested encodings the path is refused outright. */
const MAX_DECODE_DEPTH = 4;

// C0 controls (NUL included), DEL and C1 controls: never part of a sane file name, and NUL
// truncates paths in C-based layers.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const PERCENT_ESCAPE = /%[0-9a-fA-F]{2}/;
const DRIVE = /^[A-Za-z]:/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Windows strips trailing dots and spaces from names, so `...` or `.. ` would be read as `..`.
const DOTS_AND_SPACES = /^[. ]+$/;

/**
 * Checks a path relative to an artifact root and returns it normalised: `/`-separated, no
 * leading, trailing or doubled slash, `.` segments dropped, '' for the root itself. Throws
 * {@link ArtifactPathError} saying why for anything that could name a place outside the root.
 */
export function safeArtifactPath(path: string): string {
  if (typeof path !== 'string') throw new ArtifactPathError(String(path), 'must be a string');
  if (path.length > MAX_ARTIFACT_PATH_CHARS) {
    throw new ArtifactPathError(path, `longer than ${MAX_ARTIFACT_PATH_CHARS} characters`);
  }
  if (LONE_SURROGATE.test(path)) throw new ArtifactPathError(path, 'contains an unpaired UTF-16 surrogate');
  checkForm(path, path, 'contains');

  // Every decoding of the path must be just as harmless, and must not grow new separators.
  const slashes = count(path, '/');
  let decoded = path;
  for (let depth = 1; PERCENT_ESCAPE.test(decoded); depth++) {
    if (depth > MAX_DECODE_DEPTH) throw new ArtifactPathError(path, 'is percent-encoded too many times over');
    const next = decodeLoosely(decoded);
    if (next === decoded) break;
    decoded = next;
    const how = depth === 1 ? 'percent-encodes' : 'multiply percent-encodes';
    checkForm(path, decoded, how);
    if (count(decoded, '/') !== slashes) throw new ArtifactPathError(path, `${how} a "/" separator`);
  }

  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (new TextEncoder().encode(segment).length > MAX_ARTIFACT_SEGMENT_BYTES) {
      throw new ArtifactPathError(path, `has a name longer than ${MAX_ARTIFACT_SEGMENT_BYTES} bytes`);
    }
    segments.push(segment);
  }
  return segments.join('/');
}

/** Joins a normalised relative path under a `/`-separated prefix (either may be ''). */
export function joinArtifactPath(prefix: string, path: string): string {
  if (prefix === '') return path;
  if (path === '') return prefix;
  return `${prefix}/${path}`;
}

/**
 * The checks that apply to the raw path and to each decoding of it. `how` words the reason:
 * "contains", "percent-encodes" or "multiply percent-encodes".
 */
function checkForm(original: string, text: string, how: string): void {
  if (text.includes('\u0000')) throw new ArtifactPathError(original, `${how} a NUL character`);
  if (CONTROL.test(text)) throw new ArtifactPathError(original, `${how} a control character`);
  if (text.includes('\\')) throw new ArtifactPathError(original, `${how} a backslash (only "/" separates folders)`);
  if (text.startsWith('/')) {
    throw new ArtifactPathError(original, how === 'contains' ? 'is absolute (starts with "/")' : `${how} a leading "/"`);
  }
  if (DRIVE.test(text)) throw new ArtifactPathError(original, `${how} a drive letter`);
  for (const segment of text.split('/')) {
    if (segment === '..') throw new ArtifactPathError(original, `${how} a ".." segment`);
    if (segment === '.' && how !== 'contains') throw new ArtifactPathError(original, `${how} a "." segment`);
    if (segment.length > 1 && DOTS_AND_SPACES.test(segment)) {
      throw new ArtifactPathError(original, `${how} a name of only dots and spaces (read as ".." on Windows)`);
    }
  }
}

/** Decodes every valid `%XX` escape as UTF-8, leaving malformed ones as they are. */
function decodeLoosely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // A stray `%` or an invalid UTF-8 sequence makes decodeURIComponent give up on the whole
    // string; decode byte by byte instead so `%2e%2e` next to a lone `%` is still seen.
    return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n++;
  return n;
}
