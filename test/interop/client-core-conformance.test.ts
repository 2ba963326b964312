import { afterAll, beforeAll } from 'vitest';
import { RemoteRepository } from '../../src/client/repository.js';
import { startDistribution, type RunningDistribution } from '../helpers/distribution.js';
import { targetConformance } from '../helpers/target-conformance.js';

let reg: RunningDistribution;
let n = 0;
beforeAll(async () => {
  reg = await startDistribution();
});
afterAll(async () => {
  await reg?.stop();
});

targetConformance('RemoteRepository on docker-registry 2.8', async () => new RemoteRepository(reg.host, `conf/r${++n}`, { journal: false }));
targetConformance('RemoteRepository on docker-registry 2.8, chunked', async () => new RemoteRepository(reg.host, `conf/c${++n}`, { journal: false, chunkSize: 256 }));
