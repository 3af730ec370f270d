/**
 * The TrackingBackend contract: MLflow's tracking semantics checked through the interface only,
 * so the same suite runs against the embedded store and against a real MLflow server. It asserts
 * only what MLflow itself does (no error wording, no behaviour that differs between MLflow's
 * database engines), and it names everything it creates with a random prefix so it can share a
 * server with other data.
 */

import { randomUUID } from 'node:crypto';
import { after, before, describe } from 'node:test';
import type { TrackingBackend } from '../../server/src/tracking/backend.ts';
import { batchContract, metricContract } from './backend-contract-data.ts';
import { experimentContract, runContract } from './backend-contract-lifecycle.ts';
import { metricRangeContract } from './backend-contract-range.ts';
import { searchExperimentsContract, searchRunsContract } from './backend-contract-search.ts';
import type { ContractContext } from './backend-contract-support.ts';

/** Opens a backend for the suite and returns how to dispose of it. */
export type OpenBackend = () => Promise<{ backend: TrackingBackend; cleanup: () => Promise<void> }>;

/** Registers the whole contract as one `node:test` suite named after `name`. */
export function runBackendContract(name: string, open: OpenBackend): void {
  describe(`TrackingBackend contract: ${name}`, () => {
    let cleanup: () => Promise<void> = async () => {};
    let counter = 0;
    const prefix = `contract-${randomUUID().slice(0, 8)}`;
    const ctx: ContractContext = {
      // Set in `before`; sections read it in their own hooks and tests, which run later.
      backend: undefined as unknown as TrackingBackend,
      prefix,
      unique: (label) => `${prefix}-${label}-${++counter}`,
      newExperiment: async (label, tags) => ctx.backend.createExperiment({ name: ctx.unique(label), ...(tags ? { tags } : {}) }),
      newRun: async (experimentId, extra = {}) => ctx.backend.createRun({ experimentId, startTime: Date.now(), ...extra }),
    };

    before(async () => {
      const opened = await open();
      ctx.backend = opened.backend;
      cleanup = opened.cleanup;
    });
    after(async () => {
      await cleanup();
    });

    experimentContract(ctx);
    runContract(ctx);
    metricContract(ctx);
    metricRangeContract(ctx);
    batchContract(ctx);
    searchRunsContract(ctx);
    searchExperimentsContract(ctx);
  });
}
