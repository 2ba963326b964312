import type { Command } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { globals } from '../options.js';

/**
 * A non-empty directory without `docker/registry/v2` is not a data directory (a typo, a parent or
 * the `v2` directory itself): gc there would report "0 deleted" with exit 0 and collect nothing.
 */
function checkRegistryDir(dir: string, UsageError: new (m: string) => Error): void {
  if (existsSync(join(dir, 'docker/registry/v2'))) return;
  const isV2 = existsSync(join(dir, 'blobs')) || existsSync(join(dir, 'repositories'));
  if (!isV2 && readdirSync(dir).every((n) => n === '_dist')) return; // a registry nothing was pushed to yet
  const hint = isV2 ? `pass the directory that holds docker/registry/v2${/docker\/registry\/v2\/?$/.test(dir) ? ` (${resolve(dir, '../../..')})` : ''}` : 'pass storage.filesystem.rootdirectory';
  throw new UsageError(`${dir} is not a registry data directory (no docker/registry/v2 in it): ${hint}`);
}

/** `dist gc DIR [--dry-run] [--delete-untagged]`: offline mark and sweep, like `registry garbage-collect`. */
export function register(program: Command): void {
  program
    .command('gc')
    .description('garbage-collect a registry data directory (mark and sweep, like docker-registry garbage-collect); for a running server use storage.gc in its config')
    .argument('<dir|config>', 'data directory (storage.filesystem.rootdirectory), or a distribution YAML config (then its storage is used, S3 included)')
    .option('-m, --dry-run', 'report what would be deleted, delete nothing')
    .option('--delete-untagged', 'also delete manifests no tag points at (keeps index children and referrers of kept manifests)')
    .action(async (dir: string, opts: { dryRun?: boolean; deleteUntagged?: boolean }, cmd: Command) => {
      const g = globals(cmd);
      const { statSync } = await import('node:fs');
      const { UsageError } = await import('../../errors/errors.js');
      if (!existsSync(dir)) throw new UsageError(`data directory ${dir} does not exist`);
      const { openDriver } = await import('../../storage/driver/from-config.js');
      const { collectGarbage } = await import('../../storage/gc.js');
      let opened;
      let fsDir: string | undefined = dir;
      if (statSync(dir).isDirectory()) {
        checkRegistryDir(dir, UsageError);
        opened = await openDriver({ dir });
      } else {
        const { loadConfig } = await import('../../server/config.js');
        const cfg = await loadConfig(dir);
        if (!cfg.s3 && !cfg.rootDirectory) throw new UsageError(`${dir}: no storage.filesystem.rootdirectory or storage.s3 in the configuration`);
        if (!cfg.s3 && existsSync(cfg.rootDirectory!)) checkRegistryDir(cfg.rootDirectory!, UsageError);
        opened = await openDriver({ dir: cfg.rootDirectory ?? '', s3: cfg.s3 });
        fsDir = cfg.s3 ? undefined : cfg.rootDirectory;
      }
      const busy = fsDir ? (await import('../../server/serve.js')).writableServers(fsDir) : [];
      if (busy.length > 0 && !opts.dryRun) {
        await opened.close();
        throw new UsageError(`${dir} is being served by dist serve (pid ${busy.join(', ')}): stop it or restart it with --read-only first, or use online gc (storage.gc)`);
      }
      const out = (l: string): void => { process.stdout.write(`${l}\n`); };
      const report = await collectGarbage(opened.driver, {
        dryRun: opts.dryRun,
        deleteUntagged: opts.deleteUntagged,
        emit: g.json || g.quiet ? undefined : out,
      });
      await opened.close();
      if (g.json) {
        out(JSON.stringify({
          dryRun: !!opts.dryRun,
          marked: report.marked,
          eligible: report.eligible,
          deleted: report.deleted,
          manifests: report.manifests.map((m) => ({ repository: m.repo, digest: m.digest })),
          layerLinksRemoved: report.layerLinksRemoved,
        }));
      } else if (!opts.dryRun && !g.quiet) {
        process.stderr.write(`dist gc: deleted ${report.deleted.length} blobs and ${report.manifests.length} manifests\n`);
      }
    });
}
