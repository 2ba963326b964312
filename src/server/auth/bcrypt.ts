import { createHash } from 'node:crypto';
import { compare } from 'bcryptjs';

/** bcrypt of a random string: compared against for unknown users so timing does not reveal them. */
const DUMMY_HASH = '$2b$10$KcADkH5tdU.cuFuy3sFJfuVJaHPTcFagyEF3ZrMZT0Cl7LL4y90bS';
const CACHE_MAX = 1024;
/** A bcrypt hash bcryptjs can check: cost 04–31 (others make compare throw). */
export const BCRYPT_RE = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/**
 * Password checks against bcrypt hashes. Unknown users still cost one bcrypt run (constant
 * time with respect to user existence; bcryptjs compares digests in constant time). Successful
 * checks are remembered under SHA-256(user, password) so bcrypt runs once per credential, not per
 * request; `reset()` forgets them (call it when the users change).
 */
export class BcryptVerifier {
  private verified = new Map<string, string>();

  reset(): void {
    this.verified.clear();
  }

  async verify(hash: string | undefined, user: string, pass: string): Promise<boolean> {
    const key = createHash('sha256').update(user).update('\0').update(pass).digest('hex');
    if (hash !== undefined && this.verified.get(key) === hash) return true;
    const ok = await compare(pass, hash ?? DUMMY_HASH);
    if (!ok || hash === undefined) return false;
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    this.verified.set(key, hash);
    return true;
  }
}
