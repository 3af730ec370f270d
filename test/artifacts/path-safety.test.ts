/**
 * safeArtifactPath, table by table: what it accepts (and how it normalises it) and every
 * traversal form of security-and-reliability.md §3 and §7 item 6, raw and encoded, which it must
 * refuse with a reason naming the trick.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MAX_ARTIFACT_PATH_CHARS,
  MAX_ARTIFACT_SEGMENT_BYTES,
  joinArtifactPath,
  safeArtifactPath,
} from '../../server/src/artifacts/path-safety.ts';
import { ArtifactPathError } from '../../server/src/artifacts/store.ts';

const ACCEPTED: [input: string, normalised: string][] = [
  ['', ''],
  ['.', ''],
  ['./', ''],
  ['model.pkl', 'model.pkl'],
  ['model/MLmodel', 'model/MLmodel'],
  ['model/', 'model'],
  ['a//b', 'a/b'],
  ['./a/./b/.', 'a/b'],
  ['a/b/c/d/e/f.txt', 'a/b/c/d/e/f.txt'],
  ['.hidden', '.hidden'],
  ['..hidden', '..hidden'],
  ['file..txt', 'file..txt'],
  ['a.', 'a.'],
  ['100%.txt', '100%.txt'],
  ['a%20b.txt', 'a%20b.txt'], // literal name; decodes to a harmless "a b.txt"
  ['file%2etxt', 'file%2etxt'], // decodes to "file.txt", not a dot segment
  ['report#1.csv', 'report#1.csv'],
  ['q?x=1.json', 'q?x=1.json'],
  ['a;b.txt', 'a;b.txt'],
  ['données/é.png', 'données/é.png'],
  ['emoji/😀.txt', 'emoji/😀.txt'],
  ['time-12:00.log', 'time-12:00.log'], // a colon is only a drive past the first letter
  ['x'.repeat(MAX_ARTIFACT_SEGMENT_BYTES), 'x'.repeat(MAX_ARTIFACT_SEGMENT_BYTES)],
  [`${'a/'.repeat(511)}b`, `${'a/'.repeat(511)}b`], // 1023 characters
];

/** Each refused input with a fragment its reason must contain. */
const REFUSED: [input: string, reason: RegExp][] = [
  // plain traversal
  ['..', /"\.\." segment/],
  ['../', /"\.\." segment/],
  ['../etc/passwd', /"\.\." segment/],
  ['../../../../etc/passwd', /"\.\." segment/],
  ['a/../../b', /"\.\." segment/],
  ['a/..', /"\.\." segment/],
  ['a/b/../c', /"\.\." segment/], // even when it would stay inside: no normalising away of ".."
  // traversal smuggled behind `;` params, `#` fragments and `?` queries (CVE-2024-1593, -1483, -2928)
  [';/../etc/passwd', /"\.\." segment/],
  ['a;x=1/../../etc/passwd', /"\.\." segment/],
  ['#/../etc/passwd', /"\.\." segment/],
  ['x#/../../etc/passwd', /"\.\." segment/],
  ['?x=/../etc/passwd', /"\.\." segment/],
  ['a?x=/../../etc/passwd', /"\.\." segment/],
  // backslashes and Windows forms (CVE-2023-2780, -6909)
  ['..\\', /backslash/],
  ['..\\..\\windows\\win.ini', /backslash/],
  ['\\..\\filename', /backslash/],
  ['a\\b', /backslash/],
  ['C:\\Windows\\win.ini', /backslash|drive/],
  ['C:', /drive letter/],
  ['c:/windows/win.ini', /drive letter/],
  ['C:foo', /drive letter/],
  ['\\\\server\\share\\file', /backslash/], // UNC
  ['//server/share/file', /absolute/], // UNC with slashes
  ['...', /dots and spaces/],
  ['a/.. ', /dots and spaces/],
  ['a/ ..', /dots and spaces/],
  ['a/. .', /dots and spaces/],
  // absolute
  ['/etc/passwd', /absolute/],
  ['/', /absolute/],
  ['/tmp/x', /absolute/],
  // percent-encoded traversal (CVE-2023-6831 and its double-decoding bypass CVE-2024-1560)
  ['%2e%2e', /percent-encodes a "\.\." segment/],
  ['%2E%2E/etc/passwd', /percent-encodes a "\.\." segment/],
  ['%2e%2e%2fetc%2fpasswd', /percent-encodes/],
  ['..%2f..%2fetc%2fpasswd', /"\.\." segment|percent-encodes/],
  ['a/%2e%2e/%2e%2e/etc/passwd', /percent-encodes a "\.\." segment/],
  ['.%2e/etc/passwd', /percent-encodes a "\.\." segment/],
  ['%2e./etc/passwd', /percent-encodes a "\.\." segment/],
  ['a/%2e/b', /percent-encodes a "\." segment/],
  ['a%2fb', /percent-encodes a "\/" separator/],
  ['a%2Fb', /percent-encodes a "\/" separator/],
  ['a%5cb', /percent-encodes a backslash/],
  ['%5c..%5cwindows', /percent-encodes a backslash/],
  ['%2fetc%2fpasswd', /percent-encodes a leading "\/"/],
  ['%2F%2Fserver%2Fshare', /percent-encodes a leading "\/"/],
  ['C%3a%5cWindows', /percent-encodes a (drive letter|backslash)/],
  ['%43:', /drive letter/],
  ['%00', /percent-encodes a NUL/],
  ['a%0ab', /percent-encodes a control/],
  ['%2e%2e/100%', /percent-encodes a "\.\." segment/], // a stray % must not hide the escapes beside it
  ['%ff/%2e%2e', /percent-encodes a "\.\." segment/], // invalid UTF-8 likewise
  // double and deeper encoding
  ['%252e%252e', /multiply percent-encodes a "\.\." segment/],
  ['%252e%252e%252fetc%252fpasswd', /multiply percent-encodes/],
  ['a/%252e%252e/b', /multiply percent-encodes a "\.\." segment/],
  ['a%252fb', /multiply percent-encodes a "\/" separator/],
  ['a%255cb', /multiply percent-encodes a backslash/],
  ['%25252e%25252e', /multiply percent-encodes a "\.\." segment/],
  ['%2525252525252e', /too many times/],
  // NUL and control characters
  ['a\u0000b', /NUL/],
  ['model.pkl\u0000.txt', /NUL/],
  ['a\nb', /control character/],
  ['a\rb', /control character/],
  ['a\tb', /control character/],
  ['a\u001bb', /control character/],
  ['a\u007fb', /control character/],
  ['a\u0085b', /control character/],
  // malformed text and sizes
  ['a\uD800b', /surrogate/],
  ['a\uDC00', /surrogate/],
  ['x'.repeat(MAX_ARTIFACT_SEGMENT_BYTES + 1), /longer than 255 bytes/],
  ['é'.repeat(128), /longer than 255 bytes/], // 128 characters, 256 UTF-8 bytes
  ['a/'.repeat(512) + 'b', /longer than 1024 characters/],
  ['x'.repeat(MAX_ARTIFACT_PATH_CHARS + 1), /longer than 1024 characters/],
];

describe('safeArtifactPath', () => {
  for (const [input, normalised] of ACCEPTED) {
    it(`accepts ${JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…` : input)}`, () => {
      assert.equal(safeArtifactPath(input), normalised);
    });
  }

  for (const [input, reason] of REFUSED) {
    it(`refuses ${JSON.stringify(input.length > 60 ? `${input.slice(0, 60)}…` : input)}`, () => {
      assert.throws(
        () => safeArtifactPath(input),
        (err: unknown) => {
          assert.ok(err instanceof ArtifactPathError, `not an ArtifactPathError: ${String(err)}`);
          assert.equal(err.path, input);
          assert.match(err.reason, reason);
          assert.match(err.message, /^invalid artifact path /);
          return true;
        },
      );
    });
  }

  it('refuses a value that is not a string (a JSON body can carry anything)', () => {
    assert.throws(() => safeArtifactPath(42 as unknown as string), /must be a string/);
    assert.throws(() => safeArtifactPath(undefined as unknown as string), ArtifactPathError);
  });

  it('is idempotent: a normalised path normalises to itself', () => {
    for (const [, normalised] of ACCEPTED) assert.equal(safeArtifactPath(normalised), normalised);
  });

  it('never yields a path that leaves its root, for every refused input with a prefix or suffix', () => {
    // The corpus again, embedded in otherwise harmless paths: still refused.
    for (const [input] of REFUSED) {
      if (input.length > 900) continue;
      for (const variant of [`ok/${input}`, `${input}/ok`]) {
        if (variant.startsWith('ok/') && /^(\/|[A-Za-z]:|%2f|%2F|%43:|C%3a)/.test(input)) continue; // absolute/drive only at the start
        assert.throws(() => safeArtifactPath(variant), ArtifactPathError, `accepted ${JSON.stringify(variant)}`);
      }
    }
  });
});

describe('joinArtifactPath', () => {
  it('joins with one "/" and treats "" as the root', () => {
    assert.equal(joinArtifactPath('', ''), '');
    assert.equal(joinArtifactPath('', 'a'), 'a');
    assert.equal(joinArtifactPath('a', ''), 'a');
    assert.equal(joinArtifactPath('a/b', 'c/d'), 'a/b/c/d');
  });
});
