import type { Command } from 'commander';

/** `dist attach REF FILE...`: push files as an artifact that refers to an image, like `oras attach`. */
export function register(program: Command): void {
  program
    .command('attach')
    .description('push files as an artifact whose subject is an image (OCI 1.1 referrer: a signature, an SBOM…)')
    .argument('<ref>', 'the image: registry reference with :tag or @digest, or a local OCI layout DIR[:tag|@digest]')
    .argument('[files...]', 'files to attach, each FILE or FILE:MEDIATYPE (default type application/vnd.oci.image.layer.v1.tar)')
    .requiredOption('--artifact-type <type>', '(required) the artifact type, e.g. application/spdx+json')
    .option('-a, --annotation <key=value>', 'a manifest annotation (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (reference: string, files: string[], o: { artifactType: string; annotation: string[] }, cmd: Command) => {
      const [{ globals }, { repositoryOptions, printJson }, { attach, parseAttachFile }, { UsageError }] = await Promise.all([
        import('../options.js'), import('../remote.js'), import('../../copy/attach.js'), import('../../errors/errors.js'),
      ]);
      const g = globals(cmd);
      const annotations: Record<string, string> = {};
      for (const a of o.annotation) {
        const i = a.indexOf('=');
        if (i <= 0) throw new UsageError(`--annotation "${a}": expected key=value`);
        annotations[a.slice(0, i)] = a.slice(i + 1);
      }
      const r = await attach(reference, {
        ...repositoryOptions(g), artifactType: o.artifactType, annotations, jobs: g.jobs,
        files: await Promise.all(files.map(parseAttachFile)),
      });
      if (g.json) printJson({ reference, destination: r.destination, subject: r.subject.digest, digest: r.artifact.digest, mediaType: r.artifact.mediaType, artifactType: o.artifactType, size: r.artifact.size });
      else process.stdout.write(`attached ${r.artifact.digest} (${o.artifactType}) to ${r.subject.digest} (${r.destination})\n`);
    });
}
