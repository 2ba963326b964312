import type { StorageDriver } from '../../storage/driver/driver.js';
import { PathNotFoundError } from '../../storage/driver/driver.js';

export interface HealthReport {
  healthy: boolean;
  /** distribution's shape: `{}` when healthy, `{"storagedriver_<name>": "<error>"}` otherwise. */
  body: Record<string, string>;
}

/** Check the storage driver answers (a list of the root; a missing root is fine on a fresh registry). */
export async function checkHealth(driver: StorageDriver, timeoutMs = 2000): Promise<HealthReport> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      driver.list('/').catch((e: unknown) => {
        if (!(e instanceof PathNotFoundError)) throw e;
      }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`storage did not answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { healthy: true, body: {} };
  } catch (e) {
    return { healthy: false, body: { [`storagedriver_${driver.name}`]: (e as Error).message } };
  } finally {
    clearTimeout(timer);
  }
}
