import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '../observe/log.js';
import { parsePolicy, type Policy } from './policy.js';

/** The issuer's policy YAML, re-read when its mtime/size changes (a broken edit keeps the old policy, logged). */
export class PolicyFile {
  private policy: Policy;
  private stamp: string;
  private lastCheck = 0;

  constructor(readonly path: string, private readonly log: Logger) {
    this.stamp = this.statStamp();
    this.policy = parsePolicy(readFileSync(path, 'utf8'));
  }

  private statStamp(): string {
    const st = statSync(this.path);
    return `${st.mtimeMs}:${st.size}`;
  }

  /** The current policy (checks the file at most every 200 ms). */
  current(): Policy {
    const now = Date.now();
    if (now - this.lastCheck < 200) return this.policy;
    this.lastCheck = now;
    try {
      const stamp = this.statStamp();
      if (stamp !== this.stamp) {
        this.policy = parsePolicy(readFileSync(this.path, 'utf8'));
        this.stamp = stamp;
        this.log.info('token policy reloaded', { path: this.path, users: this.policy.users.size });
      }
    } catch (e) {
      this.log.warn('token policy unreadable or invalid, keeping the previous one', { path: this.path, error: (e as Error).message });
    }
    return this.policy;
  }
}
