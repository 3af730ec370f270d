/**
 * The notebook renderer's messages (protocol/src/notebook-renderer.ts): what the extension builds
 * from the daemon's frames passes the renderer's validation, and malformed outputs and messages
 * are refused with the field at fault.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveExtensionToRenderer, LiveOutput, LiveRendererToExtension, LIVE_RENDERER_MAX_POINTS } from '../../protocol/src/notebook-renderer.ts';
import type { LiveFrame } from '../../protocol/src/index.ts';
import { frameSeries, pointsMessage } from '../../client/src/notebooks/rendererMessages.ts';

const issuePaths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }): string[] =>
  (result.error?.issues ?? []).map((i) => i.path.join('.'));

test('a frame becomes one points message per run, grouped by key, status in lower case, and it validates', () => {
  const frame: LiveFrame = {
    runId: 'r1',
    tenant: 'acme',
    points: [
      { key: 'loss', step: 0, value: 1, timestamp: 1000 },
      { key: 'accuracy', step: 0, value: 0.5, timestamp: 1000 },
      { key: 'loss', step: 1, value: null, timestamp: 1001 },
    ],
    status: { status: 'FINISHED', endTime: 2000 },
  };
  assert.deepEqual(frameSeries(frame), [
    { key: 'loss', points: [[0, 1, 1000], [1, null, 1001]] },
    { key: 'accuracy', points: [[0, 0.5, 1000]] },
  ]);
  const message = pointsMessage(frame);
  assert.equal(message.type === 'points' && message.status, 'finished');
  assert.deepEqual(LiveExtensionToRenderer.parse(message), message);
  const { status: _, ...running } = frame;
  assert.equal('status' in pointsMessage(running), false);
});

test('the output of matih.live() validates; a malformed one names its field', () => {
  const output = { run_id: '0123abcd', tenant: 'acme', url: 'http://127.0.0.1:8000' };
  assert.deepEqual(LiveOutput.parse(output), output);
  assert.deepEqual(issuePaths(LiveOutput.safeParse({ ...output, tenant: 'Not A Tenant' })), ['tenant']);
  assert.deepEqual(issuePaths(LiveOutput.safeParse({ tenant: 'acme', url: '' })), ['run_id']);
  assert.equal(LiveOutput.safeParse('{"run_id": "x"}').success, false);
});

test('renderer messages are strict: extra keys, missing fields and unknown types are refused', () => {
  assert.ok(LiveRendererToExtension.safeParse({ type: 'watch', outputId: 'o1', runId: 'r1', tenant: 'acme' }).success);
  assert.ok(LiveRendererToExtension.safeParse({ type: 'unwatch', outputId: 'o1' }).success);
  assert.equal(LiveRendererToExtension.safeParse({ type: 'watch', outputId: 'o1', runId: 'r1', tenant: 'acme', token: 't' }).success, false);
  assert.deepEqual(issuePaths(LiveRendererToExtension.safeParse({ type: 'watch', outputId: 'o1', tenant: 'acme' })), ['runId']);
  assert.equal(LiveRendererToExtension.safeParse({ type: 'history', outputId: 'o1' }).success, false);
  assert.equal(LiveRendererToExtension.safeParse(null).success, false);
});

test('extension messages are bounded: steps are integers, a history has at most LIVE_RENDERER_MAX_POINTS points a key', () => {
  const history = (points: unknown[]) => ({ type: 'history', outputId: 'o1', runId: 'r1', status: 'running', series: [{ key: 'loss', points }] });
  assert.ok(LiveExtensionToRenderer.safeParse(history([[0, 1.5, 0], [1, null, 1]])).success);
  assert.deepEqual(issuePaths(LiveExtensionToRenderer.safeParse(history([[0.5, 1, 0]]))), ['series.0.points.0.0']);
  assert.equal(LiveExtensionToRenderer.safeParse({ ...history([]), status: 'RUNNING' }).success, false);
  const tooMany = Array.from({ length: LIVE_RENDERER_MAX_POINTS + 1 }, (_, i) => [i, 0, 0]);
  assert.deepEqual(issuePaths(LiveExtensionToRenderer.safeParse(history(tooMany))), ['series.0.points']);
  assert.equal(LiveExtensionToRenderer.safeParse({ type: 'error', outputId: 'o1', message: 'x'.repeat(2001) }).success, false);
});
