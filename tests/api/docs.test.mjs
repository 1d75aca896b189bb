// docs.test.mjs - the permission table in docs/security.md is the one the server enforces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cli } from './harness.mjs';

test('docs/security.md shows the permission table of this build', () => {
  const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');
  const m = doc.match(/<!-- permissions:begin[^>]*-->\n([\s\S]*?)<!-- permissions:end -->/);
  assert.ok(m, 'markers missing');
  const r = cli(['permissions']);
  assert.equal(r.status, 0);
  assert.equal(m[1], r.stdout, 'regenerate with: custos permissions');
});
