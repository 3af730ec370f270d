/** The pure logic of "scripts": terminal and run environments, interpreter choice, exit status → run status. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  chooseInterpreter,
  experimentNameForFile,
  fallbackCommandLine,
  posixQuote,
  runEnv,
  samplingInterval,
  statusFromExit,
  trackingEnv,
  trackingUri,
} from '../../client/src/scripts/model.ts';

const endpoint = { url: 'http://127.0.0.1:41234', token: 'secret-token', tenant: 'acme' };

describe('scripts', () => {
  test('the terminal environment points MLflow at the daemon with the active tenant and the token', () => {
    assert.deepEqual(trackingEnv(endpoint), {
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:41234/tenants/acme',
      MLFLOW_TRACKING_TOKEN: 'secret-token',
    });
    assert.equal(trackingUri({ url: 'http://127.0.0.1:1/', tenant: 'team-a' }), 'http://127.0.0.1:1/tenants/team-a');
  });

  test('a tracked script also gets its run and experiment', () => {
    assert.deepEqual(runEnv(endpoint, { runId: 'abc123', experimentId: '7' }), {
      MLFLOW_TRACKING_URI: 'http://127.0.0.1:41234/tenants/acme',
      MLFLOW_TRACKING_TOKEN: 'secret-token',
      MLFLOW_RUN_ID: 'abc123',
      MLFLOW_EXPERIMENT_ID: '7',
    });
  });

  test('exit status → run status', () => {
    assert.equal(statusFromExit(0), 'finished');
    assert.equal(statusFromExit(1), 'failed');
    assert.equal(statusFromExit(137), 'failed');
    assert.equal(statusFromExit(undefined), 'killed', 'closed from outside, no code');
    assert.equal(statusFromExit(0, true), 'killed', 'Stop Run wins over a clean exit');
    assert.equal(statusFromExit(1, true), 'killed');
  });

  test('interpreter: the setting, then the Python extension, then the platform default', () => {
    assert.equal(chooseInterpreter('/opt/py/bin/python', '/venv/bin/python', 'linux'), '/opt/py/bin/python');
    assert.equal(chooseInterpreter('  ', '/venv/bin/python', 'linux'), '/venv/bin/python');
    assert.equal(chooseInterpreter(undefined, undefined, 'linux'), 'python3');
    assert.equal(chooseInterpreter(undefined, '', 'win32'), 'python');
  });

  test('the default experiment is the file name', () => {
    assert.equal(experimentNameForFile('/home/u/proj/train.py'), 'train');
    assert.equal(experimentNameForFile('C:\\proj\\my model.v2.py'), 'my model.v2');
    assert.equal(experimentNameForFile('/x/.hidden'), '.hidden');
    assert.equal(experimentNameForFile('/x/'), 'script');
  });

  test('the fallback command line quotes paths and exits with the script code', () => {
    assert.equal(posixQuote('/venv/bin/python'), '/venv/bin/python');
    assert.equal(fallbackCommandLine('/venv/bin/python', "/p/it's here.py", 'linux'), `/venv/bin/python '/p/it'\\''s here.py'; exit $?`);
    assert.equal(fallbackCommandLine('C:\\Py\\python.exe', "C:\\a b\\o'k.py", 'win32'), `& 'C:\\Py\\python.exe' 'C:\\a b\\o''k.py'; exit $LASTEXITCODE`);
  });

  test('sampling interval from the setting', () => {
    assert.equal(samplingInterval(undefined), 10);
    assert.equal(samplingInterval('5'), 10);
    assert.equal(samplingInterval(0), 1);
    assert.equal(samplingInterval(2.5), 2.5);
    assert.equal(samplingInterval(1e9), 3600);
  });
});
