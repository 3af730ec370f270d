/**
 * What a run used and produced (MLflow 3, §3.3 of the reference): `runs/log-inputs` (data sets
 * with their input tags, and logged models) and `runs/outputs` (logged models, with the step they
 * were logged at). autolog sends its training data set as an input and the model it logged as an
 * output; both show up in `run.inputs` / `run.outputs` and in `datasets.` search filters.
 *
 * Like MLflow's handler, nested fields are not required: a missing string is "" and a missing
 * step is 0. Only the field types are checked here; limits are the store's.
 */
import type { DatasetInput } from '../../tracking/types.ts';
import type { MlflowRoute } from './route.ts';
import { entryText, invalidValue, toInt } from './wire.ts';

type Entry = Record<string, unknown>;

const RUN_ID = { run_id: { kind: 'string', required: true } } as const;

/** A nested message field: absent, or an object. */
function message(value: unknown, path: string): Entry {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidValue(path, value);
  return value as Entry;
}

/** A repeated message field: absent, or an array of objects. */
function messages(value: unknown, path: string): Entry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidValue(path, value);
  return value.map((v, i) => message(v, `${path}[${i}]`));
}

/** An optional string that is kept apart from "" (a data set's schema and profile). */
function optionalText(entry: Entry, key: string, path: string): string | undefined {
  const v = entry[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidValue(path, v);
  return v;
}

function datasetInput(entry: Entry, i: number): DatasetInput {
  const at = `datasets[${i}]`;
  const d = message(entry.dataset, `${at}.dataset`);
  const text = (f: string) => entryText(d, f, `${at}.dataset.${f}`, false);
  const schema = optionalText(d, 'schema', `${at}.dataset.schema`);
  const profile = optionalText(d, 'profile', `${at}.dataset.profile`);
  return {
    dataset: {
      name: text('name'),
      digest: text('digest'),
      sourceType: text('source_type'),
      source: text('source'),
      ...(schema !== undefined ? { schema } : {}),
      ...(profile !== undefined ? { profile } : {}),
    },
    tags: messages(entry.tags, `${at}.tags`).map((t, j) => ({
      key: entryText(t, 'key', `${at}.tags[${j}].key`, false),
      value: entryText(t, 'value', `${at}.tags[${j}].value`, false),
    })),
  };
}

export const runIoRoutes: MlflowRoute[] = [
  {
    method: 'POST',
    path: 'runs/log-inputs',
    fields: { ...RUN_ID, datasets: { kind: 'object[]' }, models: { kind: 'object[]' } },
    async handle({ scope, req }) {
      await scope.logInputs(req.text('run_id'), {
        datasets: (req.objects('datasets') ?? []).map(datasetInput),
        models: (req.objects('models') ?? []).map((m, i) => ({ modelId: entryText(m, 'model_id', `models[${i}].model_id`, false) })),
      });
      return {};
    },
  },
  {
    method: 'POST',
    path: 'runs/outputs',
    fields: { ...RUN_ID, models: { kind: 'object[]', required: true } },
    async handle({ scope, req }) {
      await scope.logOutputs(req.text('run_id'), {
        models: (req.objects('models') ?? []).map((m, i) => ({
          modelId: entryText(m, 'model_id', `models[${i}].model_id`, false),
          step: m.step === undefined || m.step === null || m.step === '' ? 0 : toInt(m.step, `models[${i}].step`),
        })),
      });
      return {};
    },
  },
];
