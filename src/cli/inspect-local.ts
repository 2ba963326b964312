import { openLocalSource, parseLocalSpec } from '../content/local.js';
import { LayoutReader } from '../content/layout/reader.js';
import { ANNOTATION_REF_NAME } from '../oci/types.js';
import { printInspect, type InspectFlags } from './commands/inspect.js';
import { jsonLine } from './json-line.js';

/**
 * `dist inspect PATH`: an OCI layout directory (`DIR`, `DIR:tag`, `DIR@digest`), an OCI
 * archive or a docker-archive. A layout holding several manifests and no tag named lists them.
 */
export async function inspectLocal(spec: string, flags: InspectFlags, json: boolean): Promise<void> {
  const local = await parseLocalSpec(spec);
  const { target, format } = await openLocalSource(local.path);
  if (!local.reference && target instanceof LayoutReader) {
    const entries = (await target.index()).manifests;
    if (entries.length !== 1) {
      const rows = entries.map((d) => ({ tag: d.annotations?.[ANNOTATION_REF_NAME], digest: d.digest, mediaType: d.mediaType, size: d.size }));
      if (json) process.stdout.write(jsonLine({ path: local.path, format, manifests: rows }));
      else {
        process.stdout.write(`${local.path} (${format}): ${rows.length} manifests\n`);
        for (const r of rows) process.stdout.write(`  ${(r.tag ?? '<untagged>').padEnd(20)} ${r.digest}  ${r.mediaType}  ${r.size} B\n`);
      }
      return;
    }
  }
  const desc = await target.resolve(local.reference);
  await printInspect(target, desc, spec, flags, json);
}
