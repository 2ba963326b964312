import type { Command } from 'commander';

/** `dist referrers REF`: what refers to an image (signatures, SBOMs…), like `oras discover`. */
export function register(program: Command): void {
  program
    .command('referrers')
    .description('list the manifests that refer to an image (OCI 1.1 subject: signatures, SBOMs, attestations)')
    .argument('<ref>', 'image reference, or a local OCI layout DIR[:tag|@digest]')
    .option('--artifact-type <type>', 'only referrers of this artifact type')
    .action(async (reference: string, o: { artifactType?: string }, cmd: Command) => {
      const [{ globals }, { repositoryOptions, printJson }, { referrersOf }, { printable }] = await Promise.all([
        import('../options.js'), import('../remote.js'), import('../../copy/discover.js'), import('../../client/printable.js'),
      ]);
      const g = globals(cmd);
      const { subject, referrers } = await referrersOf(reference, { ...repositoryOptions(g), artifactType: o.artifactType });
      for (const r of referrers) {
        // only the descriptor's own fields: whatever else a registry put there must not pass as ours
        if (g.json) printJson({ mediaType: r.mediaType, digest: r.digest, size: r.size, ...(r.artifactType ? { artifactType: r.artifactType } : {}), ...(r.annotations ? { annotations: r.annotations } : {}), subject: subject.digest });
        else process.stdout.write(`${r.digest}  ${printable(r.artifactType ?? r.mediaType)}  ${r.size}\n`);
      }
    });
}
