import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { MemoryDriver } from '../../src/storage/driver/memory.js';
import { driverConformance } from './driver-conformance.js';

driverConformance('filesystem', async () => new FilesystemDriver(await mkdtemp(join(tmpdir(), 'dist-fs-'))));
driverConformance('inmemory', async () => new MemoryDriver());
