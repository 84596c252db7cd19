import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configurationDocPath, renderConfigurationDoc } from '../../scripts/gen-config-docs.js';
import { OPTIONS } from './options.js';

const REGENERATE =
  'docs/configuration.md is out of date: run `node --import tsx scripts/gen-config-docs.ts`';

test('docs/configuration.md is what the generator renders from the option table', () => {
  assert.equal(readFileSync(configurationDocPath, 'utf8'), renderConfigurationDoc(), REGENERATE);
});

test('every option is documented with its environment variable and start flag', () => {
  const doc = readFileSync(configurationDocPath, 'utf8');
  for (const option of OPTIONS) {
    assert.ok(doc.includes(`\`${option.env}\``), `${option.env} is missing; ${REGENERATE}`);
    const flag = `--${option.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    assert.ok(doc.includes(flag), `${flag} is missing; ${REGENERATE}`);
  }
});
