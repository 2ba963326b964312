import { join } from 'node:path';
import { OciLayout } from '../../src/content/layout/oci-layout.js';
import { randomImage, storeImage, type FixtureImage } from '../helpers/layout-fixture.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildOnce } from './helpers.js';
import { tempDir } from '../helpers/temp.js';

export interface OneLayer {
  reg: TestRegistry;
  work: string;
  img: FixtureImage;
  /** An OCI layout holding `img` tagged v1. */
  layoutDir: string;
}

/** The CLI built, a dist serve on port 0, and a one-layer image of about `size` bytes in a layout. */
export async function oneLayerSetup(prefix: string, size: number): Promise<OneLayer> {
  buildOnce();
  const reg = await startRegistry();
  const work = tempDir(prefix);
  const img = await randomImage({ layers: 1, size });
  const layoutDir = join(work, 'layout');
  await storeImage(await OciLayout.open(layoutDir), img.blobs, 'v1');
  return { reg, work, img, layoutDir };
}

/** A private state dir (upload journal) and docker config per test case. */
export const envFor = (work: string, name: string): NodeJS.ProcessEnv => ({ DIST_STATE_DIR: join(work, name, 'state'), DOCKER_CONFIG: join(work, name, 'docker') });
