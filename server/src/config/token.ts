/**
 * The daemon's API token and the file it lives in. The token goes to clients only through a
 * file only the user can read (never argv or the environment, which other local users can see),
 * the way Jupyter's `secure_write` does it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A fresh token: 256 bits from the CSPRNG, base64url (43 characters, safe in headers and files). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** POSIX permission bits mean nothing on Windows, where the user profile's ACLs protect the file. */
const CHECK_MODE = process.platform !== 'win32';

function octal(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, '0');
}

/** Writes the token file (see {@link writePrivateFile}). */
export async function writeTokenFile(path: string, token: string): Promise<void> {
  if (token === '' || /\s/.test(token)) throw new Error('Refusing to write an empty token or one containing whitespace');
  await writePrivateFile(path, `${token}\n`);
}

/**
 * Writes a file that holds a secret so that no reader ever sees a partial file or a moment of
 * loose permissions: the parent directory is created 0700 if missing, the content goes to a
 * temporary file opened 0600 with `wx` in the same directory (never following a planted file or
 * link), is flushed, and is renamed over the target.
 */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const file = await open(temp, 'wx', 0o600);
  try {
    // The umask can only remove bits, but be explicit in case the file system ignores the open mode.
    await file.chmod(0o600);
    await file.writeFile(content, 'utf8');
    await file.sync();
  } catch (err) {
    await file.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw err;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}

/**
 * Reads a token file, refusing one that group or others may read or write (anyone who can read
 * it can act as the user; anyone who can write it can swap the token) or one that is empty.
 * The mode is taken from the open file, so it cannot change between the check and the read.
 */
export async function readTokenFile(path: string): Promise<string> {
  const file = await open(path, 'r');
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw new Error(`Token file ${path} is not a regular file`);
    if (CHECK_MODE && (stat.mode & 0o077) !== 0) {
      throw new Error(
        `Token file ${path} has mode ${octal(stat.mode)}, which lets group or others access it; ` +
          `it must be 0600 (run: chmod 600 '${path}')`,
      );
    }
    const token = (await file.readFile('utf8')).trim();
    if (token === '') throw new Error(`Token file ${path} is empty`);
    return token;
  } finally {
    await file.close();
  }
}
