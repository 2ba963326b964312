import { afterAll, beforeAll } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { targetConformance } from '../helpers/target-conformance.js';

let reg: TestRegistry;
let n = 0;
beforeAll(async () => {
  reg = await startRegistry();
});
afterAll(async () => {
  await reg?.close();
});

targetConformance('RemoteRepository on dist serve', async () => new RemoteRepository(reg.host, `conf/r${++n}`, { journal: false }));
targetConformance('RemoteRepository, chunked uploads', async () => new RemoteRepository(reg.host, `conf/c${++n}`, { journal: false, chunkSize: 256 }));
