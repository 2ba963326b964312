import type { IncomingMessage } from 'node:http';
import type { Logger } from '../observe/log.js';
import { type AccessController, type AuthResult, header, quote, unauthorized, who } from './controller.js';
import { parseBasic } from './basic.js';
import { HtpasswdFile } from './htpasswd-file.js';
import { isReadOnly, type Scope } from './scope.js';

export interface HtpasswdOptions {
  realm: string;
  path: string;
  /** Allow requests that only pull without credentials (writes still need them). */
  anonymousPull?: boolean;
  log: Logger;
}

/**
 * `auth.htpasswd`: Basic auth against a bcrypt htpasswd file. Every authenticated user may do
 * everything (distribution's behaviour); anonymous pulls when enabled.
 */
export class HtpasswdAccessController implements AccessController {
  private constructor(private readonly opts: HtpasswdOptions, readonly file: HtpasswdFile) {}

  /** Load the file now: a missing or unreadable file stops the start. */
  static async create(opts: HtpasswdOptions): Promise<HtpasswdAccessController> {
    const file = new HtpasswdFile(opts.path, opts.log);
    await file.load();
    return new HtpasswdAccessController(opts, file);
  }

  private get challenge(): string {
    return `Basic realm=${quote(this.opts.realm)}`;
  }

  async authorize(req: IncomingMessage, scopes: Scope[]): Promise<AuthResult> {
    const value = header(req, 'authorization');
    const creds = parseBasic(value);
    const anonymous = creds === undefined || (creds !== 'malformed' && creds.user === '' && creds.pass === '');
    if (value !== undefined && creds === undefined) {
      this.opts.log.warn('auth: unsupported Authorization scheme', { ...who(req) });
      throw unauthorized(this.challenge, scopes, 'authentication required (Basic)');
    }
    if (creds === 'malformed') {
      this.opts.log.warn('auth: malformed Basic Authorization header', { ...who(req) });
      throw unauthorized(this.challenge, scopes, 'malformed Authorization header');
    }
    if (anonymous) {
      if (this.opts.anonymousPull && scopes.length > 0 && isReadOnly(scopes)) return {};
      throw unauthorized(this.challenge, scopes);
    }
    if (!(await this.file.verify(creds.user, creds.pass))) {
      this.opts.log.warn('auth: invalid credentials', { user: creds.user, ...who(req) });
      throw unauthorized(this.challenge, scopes, 'invalid username or password');
    }
    return { user: creds.user };
  }
}
