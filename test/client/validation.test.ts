import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkDescription,
  checkExperimentName,
  checkMlflowUri,
  checkRunName,
  checkTagKey,
  checkTenantId,
  posixNormpath,
  tagValueCheck,
} from '../../client/src/util/validation.ts';

describe('tenant ids', () => {
  it('accepts lowercase letters, digits and dashes, 1-63 characters', () => {
    for (const ok of ['a', 'acme-corp', 'team-42', '0', 'x'.repeat(63)]) assert.equal(checkTenantId(ok), undefined, ok);
  });
  it('refuses everything else with a reason', () => {
    assert.match(checkTenantId('') ?? '', /empty/);
    assert.match(checkTenantId('x'.repeat(64)) ?? '', /at most 63/);
    for (const bad of ['Acme', 'acme_corp', 'acme corp', 'acme/corp', 'ümlaut']) {
      assert.match(checkTenantId(bad) ?? '', /lowercase letters, digits/, bad);
    }
  });
});

describe('experiment names and descriptions', () => {
  it('needs 1-255 characters, ignoring surrounding spaces', () => {
    assert.equal(checkExperimentName('churn-prediction-v2'), undefined);
    assert.match(checkExperimentName('   ') ?? '', /must not be empty/);
    assert.equal(checkExperimentName('x'.repeat(255)), undefined);
    assert.match(checkExperimentName('x'.repeat(256)) ?? '', /at most 255 characters \(it has 256\)/);
  });
  it('counts code points, as the daemon does', () => {
    assert.equal(checkExperimentName('🧪'.repeat(255)), undefined);
  });
  it('refuses NUL characters', () => {
    assert.match(checkExperimentName('a\u0000b') ?? '', /NUL/);
  });
  it('allows an empty description and at most 1000 characters', () => {
    assert.equal(checkDescription(''), undefined);
    assert.equal(checkDescription('d'.repeat(1000)), undefined);
    assert.match(checkDescription('d'.repeat(1001)) ?? '', /at most 1000/);
  });
  it('limits run names to 250 characters', () => {
    assert.equal(checkRunName('bright-owl-417'), undefined);
    assert.match(checkRunName('r'.repeat(251)) ?? '', /at most 250/);
  });
});

describe('tag keys (MLflow rules)', () => {
  it('accepts MLflow key characters, Unicode letters included', () => {
    for (const ok of ['team', 'data.version', 'a/b', 'with space', 'ns:key', 'my-key_1', 'métrique']) {
      assert.equal(checkTagKey(ok), undefined, ok);
    }
  });
  it('refuses other characters', () => {
    for (const bad of ['a=b', 'a,b', 'a*b', 'semi;colon']) assert.match(checkTagKey(bad) ?? '', /may only contain/, bad);
  });
  it('refuses keys that alias another key as a path', () => {
    for (const bad of ['a//b', './a', 'a/', '/abs', '../up', '.']) assert.match(checkTagKey(bad) ?? '', /file path/, bad);
  });
  it('limits keys to 250 characters', () => {
    assert.equal(checkTagKey('k'.repeat(250)), undefined);
    assert.match(checkTagKey('k'.repeat(251)) ?? '', /at most 250/);
  });
  it("refuses MATIH's tenant tag", () => {
    assert.match(checkTagKey('matih.tenant_id') ?? '', /set by MATIH/);
  });
  it('checks values against the given limit', () => {
    assert.equal(tagValueCheck(5)('12345'), undefined);
    assert.match(tagValueCheck(5)('123456') ?? '', /at most 5/);
  });
  it('normalises paths as Python does', () => {
    assert.equal(posixNormpath('a//b/./c/'), 'a/b/c');
    assert.equal(posixNormpath('a/../b'), 'b');
    assert.equal(posixNormpath('//a'), '//a');
    assert.equal(posixNormpath(''), '.');
  });
});

describe('MLflow server URLs', () => {
  it('accepts http(s) URLs, with a path prefix', () => {
    for (const ok of ['http://127.0.0.1:5000', 'https://mlflow.example.com/', 'https://host/prefix/mlflow']) {
      assert.equal(checkMlflowUri(ok), undefined, ok);
    }
  });
  it('refuses other schemes, garbage and embedded credentials', () => {
    assert.match(checkMlflowUri('') ?? '', /Enter/);
    assert.match(checkMlflowUri('mlflow.example.com') ?? '', /Not a URL/);
    assert.match(checkMlflowUri('ftp://host') ?? '', /http/);
    assert.match(checkMlflowUri('https://user:secret@host') ?? '', /credentials/);
    assert.match(checkMlflowUri('https://host/?x=1') ?? '', /query/);
  });
});
