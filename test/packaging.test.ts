/**
 * The built packages as users get them: publint and are-the-types-wrong on
 * every package, and each entry point imported both ways (ESM and CJS) from
 * dist — without the "@hookgate/source" condition the rest of the suite uses.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..');
const bin = (name: string) => join(root, 'node_modules/.bin', name);
const packages = readdirSync(join(root, 'packages')).filter((dir) =>
  existsSync(join(root, 'packages', dir, 'package.json')),
);

interface Manifest {
  name: string;
  exports: Record<string, unknown>;
}

describe.each(packages)('packages/%s as published', (dir) => {
  const path = join(root, 'packages', dir);
  const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as Manifest;
  const entries = Object.keys(manifest.exports).filter((entry) => entry !== './package.json');

  test('is built (pnpm test builds first)', () => {
    expect(existsSync(join(path, 'dist'))).toBe(true);
  });

  test('publint finds nothing', () => {
    const out = execFileSync(bin('publint'), ['--strict', path], { encoding: 'utf8' });
    expect(out).not.toMatch(/error|warning|suggestion/i);
  }, 60_000);

  test('are-the-types-wrong finds nothing', () => {
    // node10 resolution predates exports maps and cannot see subpaths; node16 and bundler are what we support.
    const out = execFileSync(bin('attw'), ['--pack', path, '--profile', 'node16', '--format', 'json'], {
      encoding: 'utf8',
      cwd: path,
    });
    const report = JSON.parse(out) as { analysis: { problems: { kind: string; resolutionKind?: string }[] } };
    const problems = report.analysis.problems.filter((problem) => problem.resolutionKind !== 'node10');
    expect(problems).toEqual([]);
  }, 120_000);

  test.each(entries)('entry %s loads with import and with require', (entry) => {
    const specifier = entry === '.' ? manifest.name : `${manifest.name}/${entry.slice(2)}`;
    const script = `
      const viaRequire = require(${JSON.stringify(specifier)});
      import(${JSON.stringify(specifier)}).then((viaImport) => {
        const a = Object.keys(viaRequire).filter((k) => k !== 'default').sort().join(',');
        const b = Object.keys(viaImport).filter((k) => k !== 'default' && k !== 'module.exports').sort().join(',');
        if (!a || a !== b) { console.error('exports differ', a, '|', b); process.exit(1); }
        console.log(a);
      });`;
    // Run from the package itself so its own name resolves through its exports map.
    const out = execFileSync(process.execPath, ['-e', script], { cwd: path, encoding: 'utf8' });
    expect(out.trim().length).toBeGreaterThan(0);
  });
});
