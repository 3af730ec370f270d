/** The inline scanner: which Python metric calls get a lens, and where. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { metricKeys, scanMetricCalls } from '../../server/src/lsp/inline/scan.ts';

const keysOf = (src: string) => scanMetricCalls(src).map((c) => c.keys.map((k) => k.key));

describe('scanMetricCalls', () => {
  test('fluent, receiver-less, client and keyword forms', () => {
    const src = [
      'import mlflow',
      'mlflow.log_metric("loss", 0.5, step=1)',
      "log_metric('acc', acc)",
      'client.log_metric(run.info.run_id, "val_loss", v, step=i)',
      'mlflow.log_metric(key="lr", value=lr)',
      'self.client.log_metric(run_id, key="grad", value=g)',
    ].join('\n');
    assert.deepEqual(keysOf(src), [['loss'], ['acc'], ['val_loss'], ['lr'], ['grad']]);
    const first = scanMetricCalls(src)[0]!;
    assert.equal(first.fn, 'log_metric');
    assert.deepEqual(first.range, { start: { line: 1, character: 7 }, end: { line: 1, character: 38 } });
    assert.deepEqual(first.keys[0]!.range, { start: { line: 1, character: 18 }, end: { line: 1, character: 24 } });
  });

  test('log_metrics with a dict display, multi-line, nested values', () => {
    const src = [
      'mlflow.log_metrics(',
      '    {',
      '        "train/loss": loss.item(),  # the loss',
      "        'acc': compute({'not_a_key': 1}),",
      '        f"skip_{i}": 1,',
      '        name_var: 2,',
      '    },',
      '    step=epoch,',
      ')',
      'log_metrics(metrics={"m": 1}, step=3)',
    ].join('\n');
    const calls = scanMetricCalls(src);
    assert.deepEqual(calls.map((c) => c.keys.map((k) => k.key)), [['train/loss', 'acc'], ['m']]);
    assert.deepEqual(calls[0]!.range, { start: { line: 0, character: 7 }, end: { line: 8, character: 1 } });
    assert.deepEqual(calls[0]!.keys[1]!.range.start, { line: 3, character: 8 });
    assert.deepEqual(metricKeys(calls), ['train/loss', 'acc', 'm']);
  });

  test('comments, strings and docstrings that mention a call are ignored', () => {
    const src = [
      '# mlflow.log_metric("in_comment", 1)',
      'print("mlflow.log_metric(\'in_string\', 1)")',
      '"""',
      'Example:',
      '    mlflow.log_metric("in_docstring", 1)',
      '"""',
      "s = r'log_metrics({\"raw\": 1})'",
      'x = 1  # log_metric("trailing", 2)',
      'mlflow.log_metric("real", x)  # log_metric("after", 3)',
    ].join('\n');
    assert.deepEqual(keysOf(src), [['real']]);
  });

  test('what is not a literal-keyed metric call', () => {
    const src = [
      'def log_metric(key, value):',
      '    pass',
      'mlflow.log_metric(name, 1)',
      'mlflow.log_metric(f"loss_{i}", 1)',
      'my_log_metric("nope", 1)',
      'log_metric_x("nope", 1)',
      'from mlflow import log_metric, log_metrics',
      'fn = mlflow.log_metric',
      'mlflow.log_metrics(d)',
      'mlflow.log_metric(b"bytes", 1)',
    ].join('\n');
    assert.deepEqual(keysOf(src), []);
  });

  test('escapes, implicit quoting styles, CRLF and an unfinished call', () => {
    const src = 'mlflow.log_metric("a\\"b", 1)\r\nlog_metric(\'\'\'tri\'\'\', 2)\r\nmlflow.log_metric("typing", ';
    const calls = scanMetricCalls(src);
    assert.deepEqual(calls.map((c) => c.keys[0]!.key), ['a"b', 'tri', 'typing']);
    assert.equal(calls[1]!.range.start.line, 1);
    assert.deepEqual(calls[2]!.range, { start: { line: 2, character: 7 }, end: { line: 2, character: 28 } });
  });

  test('an unterminated string does not swallow the following lines', () => {
    const src = 'x = "oops\nmlflow.log_metric("ok", 1)';
    assert.deepEqual(keysOf(src), [['ok']]);
  });
});
