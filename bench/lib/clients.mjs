// Command lines of the two clients being compared: dist (this project) and skopeo (the peer).
// Each returns [cmd, args]; run them with proc.run().

/** `pull host/repo:tag` into the OCI layout `out`. */
export function pullCmd(client, tools, host, repo, tag, out) {
  if (client === 'skopeo') return [tools.skopeo, ['copy', '-q', '--src-tls-verify=false', `docker://${host}/${repo}:${tag}`, `oci:${out}:${tag}`]];
  return [process.execPath, [tools.distBin, '--plain-http', '-q', 'pull', `${host}/${repo}:${tag}`, '-o', out]];
}

/** `push` the OCI layout `layout` (tag `tag`) to host/repo:tag. */
export function pushCmd(client, tools, layout, tag, host, repo) {
  if (client === 'skopeo') return [tools.skopeo, ['copy', '-q', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${host}/${repo}:${tag}`]];
  return [process.execPath, [tools.distBin, '--plain-http', '-q', 'push', `${layout}:${tag}`, `${host}/${repo}:${tag}`]];
}

/** Copy host/from:tag to host/to:tag (two repositories of one registry). */
export function copyCmd(client, tools, host, from, to, tag) {
  if (client === 'skopeo') {
    return [tools.skopeo, ['copy', '-q', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${host}/${from}:${tag}`, `docker://${host}/${to}:${tag}`]];
  }
  return [process.execPath, [tools.distBin, '--plain-http', '-q', 'copy', `${host}/${from}:${tag}`, `${host}/${to}:${tag}`]];
}
