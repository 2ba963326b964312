import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunningDistribution, startDistribution } from './distribution.js';
import { makeCert, type RunningIssuer, startTokenIssuer } from './token-issuer.js';

export interface TokenDistribution {
  reg: RunningDistribution;
  issuer: RunningIssuer;
  /** The registry's self-signed certificate, written as `<dir>/ca.crt` (also usable as skopeo's --cert-dir). */
  caFile: string;
  stop(): Promise<void>;
}

/**
 * Debian's docker-registry 2.8 in token mode over TLS, trusting the project's own jose token issuer
 * (users → passwords). The CA file goes into `dir`.
 */
export async function startTokenDistribution(dir: string, users: Record<string, string>): Promise<TokenDistribution> {
  const issuer = await startTokenIssuer({ users });
  const tls = makeCert('registry-under-test');
  const caFile = join(dir, 'ca.crt');
  await writeFile(caFile, tls.certPem);
  const reg = await startDistribution({
    files: { 'tls.crt': tls.certPem, 'tls.key': tls.keyPem, 'token-root.pem': issuer.cert.certPem },
    httpYaml: '  tls: { certificate: DIR/tls.crt, key: DIR/tls.key }',
    extraYaml: `auth:\n  token: { realm: "${issuer.realm}", service: ${issuer.service}, issuer: ${issuer.issuer}, rootcertbundle: DIR/token-root.pem }`,
  });
  return {
    reg,
    issuer,
    caFile,
    async stop() {
      await reg.stop();
      await issuer.close();
    },
  };
}
