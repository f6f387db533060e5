/**
 * G6, second language: fastavro (Python) decodes every golden fixture with its writer schema and the current reader
 * schema, and gets the same values as TypeScript. Provisions its own virtualenv, so CI needs only python3.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAvroSchema, toJsonValue, type JsonValue } from '@spr/contracts/avro';
import { describe, expect, it } from 'vitest';
import { fixtureFiles } from './fixtures.ts';
import { loadSchemas } from './load-schemas.ts';
import { DEFAULT_SCHEMAS_DIR, REPO_ROOT } from './paths.ts';

const PYTHON_DIR = join(import.meta.dirname, '..', 'python');
const VENV = join(REPO_ROOT, '.spr', 'python-venv');
const venvPython = join(VENV, 'bin', 'python');

/** The venv's python with fastavro installed from requirements.txt, creating the venv when needed. */
function pythonWithFastavro(): string {
  const hasFastavro = () =>
    existsSync(venvPython) && spawnSync(venvPython, ['-c', 'import fastavro'], { stdio: 'ignore' }).status === 0;
  if (hasFastavro()) return venvPython;
  if (spawnSync('python3', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'python3 is not installed: the second-language fixture check needs it (Debian: apt-get install python3 python3-venv)',
    );
  }
  if (!existsSync(venvPython)) execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  execFileSync(
    venvPython,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', join(PYTHON_DIR, 'requirements.txt')],
    { stdio: 'inherit' },
  );
  if (!hasFastavro()) throw new Error(`fastavro is still missing in ${VENV} after pip install`);
  return venvPython;
}

/** What TypeScript decodes from every fixture (writer = its version, reader = the current one), in the JSON form. */
function typescriptDecoding(): Map<string, JsonValue> {
  const loaded = loadSchemas(DEFAULT_SCHEMAS_DIR);
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const decoded = new Map<string, JsonValue>();
  for (const domain of loaded.domains) {
    for (const record of domain.records) {
      const reader = parseAvroSchema(record.versions[record.versions.length - 1]!.json);
      for (const version of record.versions) {
        const body = readFileSync(fixtureFiles(record, version.version).avro);
        const value = reader.fromBuffer(body, reader.createResolver(version.type));
        decoded.set(`${domain.domain}/${record.name}/v${version.version}`, toJsonValue(reader, value));
      }
    }
  }
  return decoded;
}

describe('golden fixtures in Python (fastavro)', () => {
  it('decode to the same values as in TypeScript, fixture by fixture', () => {
    const python = pythonWithFastavro();
    const run = spawnSync(python, [join(PYTHON_DIR, 'check_fixtures.py'), DEFAULT_SCHEMAS_DIR], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { fixture: string; value: JsonValue });
    const fromPython = new Map(lines.map((line) => [line.fixture, line.value]));

    const fromTypescript = typescriptDecoding();
    expect([...fromPython.keys()].sort()).toEqual([...fromTypescript.keys()].sort());
    for (const [fixture, value] of fromTypescript) expect(fromPython.get(fixture), fixture).toEqual(value);
  });
});
