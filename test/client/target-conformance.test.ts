import { RemoteRepository } from '../../src/client/repository.js';
import { shared } from '../helpers/fixture.js';
import { startRegistry } from '../helpers/registry.js';
import { targetConformance } from '../helpers/target-conformance.js';

const reg = shared(startRegistry);
let n = 0;

targetConformance('RemoteRepository on dist serve', async () => new RemoteRepository(reg.host, `conf/r${++n}`, { journal: false }));
targetConformance('RemoteRepository, chunked uploads', async () => new RemoteRepository(reg.host, `conf/c${++n}`, { journal: false, chunkSize: 256 }));
