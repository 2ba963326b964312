import { FilesystemDriver } from '../../src/storage/driver/filesystem.js';
import { MemoryDriver } from '../../src/storage/driver/memory.js';
import { tempDir } from '../helpers/temp.js';
import { driverConformance } from './driver-conformance.js';

driverConformance('filesystem', async () => new FilesystemDriver(tempDir('dist-fs-')));
driverConformance('inmemory', async () => new MemoryDriver());
