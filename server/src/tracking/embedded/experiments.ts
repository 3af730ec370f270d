/**
 * Experiments in the embedded store: create, read, rename, tags, soft delete and restore (which
 * cascade to the experiment's runs) and search, with the MLflow SQL store's error codes.
 */

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TrackingError, experimentNotFound, invalid } from '../errors.ts';
import { decodePageToken, encodePageToken, parseExperimentFilter, parseExperimentOrderBy } from '../search/index.ts';
import type { CreateExperimentInput, Experiment, LifecycleStage, Page, SearchExperimentsInput, StringMap } from '../types.ts';
import {
  validateArtifactLocation,
  validateExperimentName,
  validateExperimentTag,
  validateKey,
  validateMaxResults,
  validateViewType,
} from '../validation.ts';
import type { Database } from './database.ts';
import { buildExperimentSearch, stagesFor } from './search-sql.ts';

export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

/** An experiments row as SQLite returns it. */
export interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  creation_time: number;
  last_update_time: number;
}

const SELECT_EXPERIMENT =
  'SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time FROM experiments';

/**
 * An experiment id as the integer MLflow's SQL store keys on. Non-numeric ids are a 400; numeric
 * ids too large to be ours come back undefined (they cannot exist).
 */
export function parseExperimentId(id: string, field = 'experiment_id'): number | undefined {
  if (typeof id !== 'string' || !/^\d+$/.test(id)) {
    throw invalid(`Invalid experiment ID '${String(id)}'. Experiment ID must be a valid integer.`, field);
  }
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The error for a write to a deleted experiment (400, as MLflow's _check_experiment_is_active). */
export function experimentNotActive(id: number | string): TrackingError {
  return invalid(`The experiment ${id} must be in the 'active' state. Current state is deleted.`, 'experiment_id');
}

export class ExperimentTable {
  private readonly db: Database;
  private readonly artifactRoot: string;

  /** `artifactRoot` is the directory under which default experiment locations are made. */
  constructor(db: Database, artifactRoot: string) {
    this.db = db;
    this.artifactRoot = artifactRoot;
  }

  private defaultLocation(id: number): string {
    return pathToFileURL(join(this.artifactRoot, String(id))).href;
  }

  /** Creates MLflow's "Default" experiment (id 0) in an empty store. */
  ensureDefault(): void {
    this.db.write(() => {
      const row = this.db.stmt('SELECT COUNT(*) AS n FROM experiments').get() as { n: number };
      if (row.n > 0) return;
      const now = Date.now();
      this.db
        .stmt('INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?)')
        .run(0, DEFAULT_EXPERIMENT_NAME, this.defaultLocation(0), 'active', now, now);
    });
  }

  /** A row by id, any lifecycle stage; RESOURCE_DOES_NOT_EXIST if missing. */
  row(id: string): ExperimentRow {
    const n = parseExperimentId(id);
    const row = n === undefined ? undefined : (this.db.stmt(`${SELECT_EXPERIMENT} WHERE experiment_id = ?`).get(n) as ExperimentRow | undefined);
    if (!row) throw experimentNotFound(id);
    return row;
  }

  /** A row that may be written to: it must exist and be active. */
  activeRow(id: string): ExperimentRow {
    const row = this.row(id);
    if (row.lifecycle_stage !== 'active') throw experimentNotActive(id);
    return row;
  }

  create(input: CreateExperimentInput): string {
    const name = validateExperimentName(input.name);
    const location =
      input.artifactLocation === undefined || input.artifactLocation === ''
        ? undefined
        : validateArtifactLocation(input.artifactLocation);
    const tags = Object.entries(input.tags ?? {});
    tags.forEach(([k, v], i) => validateExperimentTag(k, v, `tags[${i}]`));
    return this.db.write(() => {
      if (this.db.stmt('SELECT 1 FROM experiments WHERE name = ?').get(name)) {
        throw new TrackingError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
      }
      // Ids are assigned here (not by SQLite) so the default location can name the id on insert.
      const next = this.db.stmt('SELECT COALESCE(MAX(experiment_id), -1) + 1 AS id FROM experiments').get() as { id: number };
      const now = Date.now();
      this.db
        .stmt('INSERT INTO experiments VALUES (?, ?, ?, ?, ?, ?)')
        .run(next.id, name, location ?? this.defaultLocation(next.id), 'active', now, now);
      const insertTag = this.db.stmt('INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)');
      for (const [k, v] of tags) insertTag.run(next.id, k, v);
      return String(next.id);
    });
  }

  get(id: string): Experiment {
    return this.db.read(() => this.toExperiment(this.row(id)));
  }

  getByName(name: string): Experiment | undefined {
    return this.db.read(() => {
      const row = this.db.stmt(`${SELECT_EXPERIMENT} WHERE name = ?`).get(name) as ExperimentRow | undefined;
      return row ? this.toExperiment(row) : undefined;
    });
  }

  rename(id: string, newName: string): void {
    const name = validateExperimentName(newName, 'new_name');
    this.db.write(() => {
      const row = this.row(id);
      if (row.lifecycle_stage !== 'active') {
        throw new TrackingError('INVALID_STATE', 'Cannot rename a non-active experiment.');
      }
      if (row.name === name) return;
      if (this.db.stmt('SELECT 1 FROM experiments WHERE name = ?').get(name)) {
        throw new TrackingError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
      }
      this.db.stmt('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?').run(name, Date.now(), row.experiment_id);
    });
  }

  /** Soft-deletes the experiment and every active run in it. */
  delete(id: string): void {
    this.db.write(() => {
      const row = this.row(id);
      // MLflow looks the experiment up among active ones only, so a second delete is a 404.
      if (row.lifecycle_stage !== 'active') throw experimentNotFound(id);
      const now = Date.now();
      this.db.stmt("UPDATE experiments SET lifecycle_stage = 'deleted', last_update_time = ? WHERE experiment_id = ?").run(now, row.experiment_id);
      this.db
        .stmt("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = 'active'")
        .run(now, row.experiment_id);
    });
  }

  /** Re-activates the experiment and all of its runs, including runs deleted one by one before. */
  restore(id: string): void {
    this.db.write(() => {
      const row = this.row(id);
      if (row.lifecycle_stage !== 'deleted') throw experimentNotFound(id);
      this.db.stmt("UPDATE experiments SET lifecycle_stage = 'active', last_update_time = ? WHERE experiment_id = ?").run(Date.now(), row.experiment_id);
      this.db.stmt("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ?").run(row.experiment_id);
    });
  }

  setTag(id: string, key: string, value: string): void {
    validateExperimentTag(key, value, 'tag');
    this.db.write(() => {
      const row = this.activeRow(id);
      this.db.stmt('INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)').run(row.experiment_id, key, value);
    });
  }

  deleteTag(id: string, key: string): void {
    validateKey('experiment tag', key, 'key');
    this.db.write(() => {
      const row = this.activeRow(id);
      const result = this.db.stmt('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?').run(row.experiment_id, key);
      if (result.changes === 0) {
        throw new TrackingError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in experiment with id ${id}`);
      }
    });
  }

  search(input: SearchExperimentsInput): Page<Experiment> {
    const maxResults = validateMaxResults(input.maxResults);
    const stages = stagesFor(input.viewType === undefined ? 'ACTIVE_ONLY' : validateViewType(input.viewType));
    const filter = parseExperimentFilter(input.filter);
    const orderBy = parseExperimentOrderBy(input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const query = buildExperimentSearch({ stages, filter, orderBy, limit: maxResults + 1, offset });
    return this.db.read(() => {
      const rows = this.db.stmt(query.sql).all(...query.params) as unknown as ExperimentRow[];
      const page = rows.slice(0, maxResults);
      const tags = this.tagsFor(page.map((r) => r.experiment_id));
      const items = page.map((r) => this.fromRow(r, tags.get(r.experiment_id) ?? []));
      return rows.length > maxResults ? { items, nextPageToken: encodePageToken(offset + maxResults) } : { items };
    });
  }

  private tagsFor(ids: number[]): Map<number, [string, string][]> {
    const out = new Map<number, [string, string][]>();
    if (ids.length === 0) return out;
    const rows = this.db
      .stmt('SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN (SELECT value FROM json_each(?)) ORDER BY experiment_id, key')
      .all(JSON.stringify(ids)) as { experiment_id: number; key: string; value: string }[];
    for (const r of rows) {
      let list = out.get(r.experiment_id);
      if (!list) out.set(r.experiment_id, (list = []));
      list.push([r.key, r.value]);
    }
    return out;
  }

  private toExperiment(row: ExperimentRow): Experiment {
    return this.fromRow(row, this.tagsFor([row.experiment_id]).get(row.experiment_id) ?? []);
  }

  private fromRow(row: ExperimentRow, tags: [string, string][]): Experiment {
    // fromEntries defines own properties, so a tag named `__proto__` is kept as data.
    const tagMap: StringMap = Object.fromEntries(tags);
    return {
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: row.artifact_location,
      lifecycleStage: row.lifecycle_stage,
      creationTime: row.creation_time,
      lastUpdateTime: row.last_update_time,
      tags: tagMap,
    };
  }
}
