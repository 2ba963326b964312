import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { MemoryStore } from '../../src/content/memory.js';
import { targetConformance } from '../helpers/target-conformance.js';

targetConformance('MemoryStore', async () => new MemoryStore());
targetConformance('OciLayout', async () => OciLayout.open(await mkdtemp(join(tmpdir(), 'dist-conf-layout-'))));
