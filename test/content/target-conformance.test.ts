import { join } from 'node:path';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { MemoryStore } from '../../src/content/memory.js';
import { targetConformance } from '../helpers/target-conformance.js';
import { tempDir } from '../helpers/temp.js';

targetConformance('MemoryStore', async () => new MemoryStore());
targetConformance('OciLayout', async () => OciLayout.open(tempDir('dist-conf-layout-')));
