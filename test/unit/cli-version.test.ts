import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const version = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string }).version;

describe('dist --version', () => {
  it.each(['--version', '-V'])('%s prints the package version from the fast path', (flag) => {
    expect(execFileSync(process.execPath, [resolve(root, 'bin/dist.js'), flag], { encoding: 'utf8' })).toBe(`${version}\n`);
  });
});
