import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

async function walk(dir: string, rel = ''): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(join(dir, rel));
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const p = rel ? `${rel}/${n}` : n;
    if ((await stat(join(dir, p))).isDirectory()) out.push(...(await walk(dir, p)));
    else out.push(p);
  }
  return out;
}

/**
 * Crash-consistency invariants of a data directory (distribution layout), returned as a list of
 * violations: every blob's bytes hash to its path; every link holds the digest of its path; a
 * `_layers` link has its blob; a revision has its blob; a tag points at an existing revision.
 */
export async function checkInvariants(root: string): Promise<string[]> {
  const v2 = join(root, 'docker/registry/v2');
  const bad: string[] = [];
  const blobs = new Set<string>();
  // `*.tmp` are the driver's temp files (write-then-rename): invisible to every reader, skipped.
  const visible = (f: string): boolean => !/\.tmp(\/|$)/.test(f);
  for (const f of (await walk(join(v2, 'blobs'))).filter(visible)) {
    const m = /^(sha256)\/[0-9a-f]{2}\/([0-9a-f]{64})\/data$/.exec(f);
    if (!m) {
      bad.push(`unexpected file under blobs: ${f}`);
      continue;
    }
    const actual = createHash('sha256').update(await readFile(join(v2, 'blobs', f))).digest('hex');
    if (actual !== m[2]) bad.push(`blob ${f} holds content ${actual}`);
    blobs.add(`sha256:${m[2]}`);
  }
  const files = (await walk(join(v2, 'repositories'))).filter(visible);
  const revisions = new Set<string>();
  for (const f of files) {
    const rev = /^(.+)\/_manifests\/revisions\/(sha256)\/([0-9a-f]{64})\/link$/.exec(f);
    if (rev) revisions.add(`${rev[1]}@sha256:${rev[3]}`);
  }
  for (const f of files) {
    if (f.includes('/_uploads/')) continue;
    const content = (await readFile(join(v2, 'repositories', f))).toString();
    const layer = /^(.+)\/_layers\/sha256\/([0-9a-f]{64})\/link$/.exec(f);
    const rev = /^(.+)\/_manifests\/revisions\/sha256\/([0-9a-f]{64})\/link$/.exec(f);
    const idx = /^(.+)\/_manifests\/tags\/[^/]+\/index\/sha256\/([0-9a-f]{64})\/link$/.exec(f);
    const cur = /^(.+)\/_manifests\/tags\/[^/]+\/current\/link$/.exec(f);
    if (layer || rev || idx) {
      const d = `sha256:${(layer ?? rev ?? idx)![2]}`;
      if (content !== d) bad.push(`link ${f} holds "${content}"`);
      if ((layer || rev) && !blobs.has(d)) bad.push(`link ${f} to a missing blob`);
    } else if (cur) {
      if (!revisions.has(`${cur[1]}@${content}`)) bad.push(`tag ${f} points at ${content}, not a revision`);
    } else {
      bad.push(`unexpected file: ${f}`);
    }
  }
  return bad;
}
