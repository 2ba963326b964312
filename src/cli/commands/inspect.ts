import type { Command } from 'commander';

export interface InspectFlags {
  raw?: boolean;
  config?: boolean;
  platform?: string;
}

/** `dist inspect REF`: a readable summary; `--raw` exact manifest bytes; `--config` the config blob. */
export function register(program: Command): void {
  program
    .command('inspect')
    .description('summarise an image: media type, digest, size, platforms, config, layers')
    .argument('<ref>', 'image reference, or a local OCI layout DIR[:tag|@digest], docker-archive or OCI archive')
    .option('--raw', 'print the exact manifest bytes')
    .option('--config', 'print the config blob')
    .option('--platform <os/arch[/variant]>', 'for an index: inspect this platform\'s manifest')
    .action(async (reference: string, flags: InspectFlags, cmd: Command) => {
      const { isLocalSpec } = await import('../../content/local.js');
      if (await isLocalSpec(reference)) return (await import('../inspect-local.js')).inspectLocal(reference, flags, !!cmd.optsWithGlobals().json);
      const { openRemote, formatReference } = await import('../remote.js');
      const { repo, ref, g } = openRemote(cmd, reference);
      const desc = await repo.resolve(ref.digest ?? ref.tag!);
      await printInspect(repo, desc, formatReference(ref), flags, !!g.json);
    });
}

/** Shared by every source kind (remote here; local layouts/archives reuse it). */
export async function printInspect(
  target: import('../../content/target.js').ReadOnlyTarget,
  desc: import('../../oci/types.js').Descriptor,
  reference: string,
  flags: InspectFlags,
  json: boolean,
): Promise<void> {
  const { inspectTarget, formatSummary } = await import('../../client/summary.js');
  const { parsePlatform } = await import('../../oci/platform.js');
  const res = await inspectTarget(target, desc, { reference, raw: flags.raw, config: flags.config, platform: flags.platform ? parsePlatform(flags.platform) : undefined });
  if (res.kind === 'bytes') process.stdout.write(res.bytes);
  else if (json) process.stdout.write((await import('../json-line.js')).jsonLine(res.summary));
  else process.stdout.write(formatSummary(res.summary));
}
