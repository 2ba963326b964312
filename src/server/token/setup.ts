import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UsageError } from '../../errors/errors.js';
import type { Logger } from '../observe/log.js';
import { createTokenHandler } from './handler.js';
import { TokenIssuer } from './issuer.js';
import { generateSigningKey, loadSigningKey, type SigningKey } from './keys.js';
import { PolicyFile } from './policy-file.js';

export interface IssuerSetupOptions {
  policyPath: string;
  /** PEM private key; a fresh P-256 key when absent (tokens then die with the process). */
  keyPath?: string;
  /** PEM certificate chain for the key (sent as x5c, for registries trusting a rootcertbundle). */
  certPath?: string;
  issuer: string;
  service: string;
  ttlMs: number;
  log: Logger;
}

export interface IssuerSetup {
  issuer: TokenIssuer;
  key: SigningKey;
  policy: PolicyFile;
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

/** Load the policy and key and build the token endpoint. Errors name the option at fault. */
export function setupIssuer(o: IssuerSetupOptions): IssuerSetup {
  let policy: PolicyFile;
  try {
    policy = new PolicyFile(o.policyPath, o.log);
  } catch (e) {
    throw new UsageError(`token policy ${o.policyPath}: ${(e as Error).message}`);
  }
  let key: SigningKey;
  try {
    key = o.keyPath ? loadSigningKey(readFileSync(o.keyPath, 'utf8'), o.certPath ? readFileSync(o.certPath, 'utf8') : undefined) : generateSigningKey();
  } catch (e) {
    throw new UsageError(`token signing key ${o.keyPath}: ${(e as Error).message}`);
  }
  const issuer = new TokenIssuer({ issuer: o.issuer, service: o.service, key, ttl: Math.round(o.ttlMs / 1000) });
  const handler = createTokenHandler({ issuer, policy: () => policy.current(), log: o.log, realm: o.service });
  return { issuer, key, policy, handler };
}
