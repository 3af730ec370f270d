import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A run lists at most this many artifact paths; more would bloat every run response. */
const MAX_LISTED = 1000;

/**
 * Relative paths of the files under a run's local (`file:`) artifact URI, sorted. Other
 * schemes and missing folders list nothing here. Symlinks are not followed, so a link can
 * never pull files from outside the run's folder into the listing (Dirent types come from
 * lstat, so a link is neither a file nor a directory here).
 */
export async function listLocalArtifacts(artifactUri: string): Promise<string[]> {
  if (!artifactUri.startsWith('file:')) return [];
  let root: string;
  try {
    root = fileURLToPath(artifactUri);
  } catch {
    return [];
  }
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (out.length >= MAX_LISTED) return;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  await walk(root);
  return out;
}
