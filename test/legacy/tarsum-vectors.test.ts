import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { TarsumCompat, TarsumVersion } from '../../src/legacy/tarsum/fields.js';
import { tarsumOf } from '../../src/legacy/tarsum/stream.js';
import { TarSum } from '../../src/legacy/tarsum/tarsum.js';
import { tarOf, type TarEntry } from './tar-writer.js';
import { testdata, testdataPath } from './testdata.js';

const sum = (tar: Buffer, version: TarsumVersion, compat: TarsumCompat, extra?: Buffer): Promise<string> =>
  tarsumOf(Readable.from([tar]), { version, compat, extra });

const user = { uid: 1000, gid: 1000, uname: 'slartibartfast', gname: 'users' };

/** §5.4 header-only vectors (moby TestIteration): [version, entry, 2015, ≥2018]. */
const ITERATION: Array<[TarsumVersion, TarEntry, string, string]> = [
  ['v0', { name: 'file.txt' }, 'tarsum+sha256:626c4a2e9a467d65c33ae81f7f3dedd4de8ccaee72af73223c4bc4718cbc7bbd', 'tarsum+sha256:626c4a2e9a467d65c33ae81f7f3dedd4de8ccaee72af73223c4bc4718cbc7bbd'],
  ['dev', { name: 'file.txt' }, 'tarsum.dev+sha256:6ffd43a1573a9913325b4918e124ee982a99c0f3cba90fc032a65f5e20bdd465', 'tarsum.dev+sha256:6ffd43a1573a9913325b4918e124ee982a99c0f3cba90fc032a65f5e20bdd465'],
  ['dev', { name: 'another.txt', ...user, body: 'test' }, 'tarsum.dev+sha256:b38166c059e11fb77bef30bf16fba7584446e80fcc156ff46d47e36c5305d8ef', 'tarsum.dev+sha256:862964db95e0fa7e42836ae4caab3576ab1df8d275720a45bdd01a5a3730cc63'],
  ['dev', { name: 'xattrs.txt', ...user, body: 'test', xattrs: { 'user.key1': 'value1', 'user.key2': 'value2' } }, 'tarsum.dev+sha256:4cc2e71ac5d31833ab2be9b4f7842a14ce595ec96a37af4ed08f87bc374228cd', 'tarsum.dev+sha256:4b1ba03544b49d96a32bacc77f8113220bd2f6a77e7e6d1e7b33cd87117d88e7'],
  ['dev', { name: 'xattrs.txt', ...user, body: 'test', xattrs: { 'user.KEY1': 'value1', 'user.key2': 'value2' } }, 'tarsum.dev+sha256:65f4284fa32c0d4112dd93c3637697805866415b570587e4fd266af241503760', 'tarsum.dev+sha256:410b602c898bd4e82e800050f89848fc2cf20fd52aa59c1ce29df76b878b84a6'],
  ['v0', { name: 'xattrs.txt', ...user, body: 'test', xattrs: { 'user.NOT': 'CALCULATED' } }, 'tarsum+sha256:c12bb6f1303a9ddbf4576c52da74973c00d14c109bcfa76b708d5da1154a07fa', 'tarsum+sha256:b1f97eab73abd7593c245e51070f9fbdb1824c6b00a0b7a3d7f0015cd05e9e86'],
  ['v0', { name: '/testdata0', mode: 0o755, typeflag: '\0', body: Buffer.alloc(1024 * 1024) }, 'tarsum+sha256:8bf12d7e67c51ee2e8306cba569398b1b9f419969521a12ffb9d8875e8836738', 'tarsum+sha256:75258b2c5dcd9adfe24ce71eeca5fc5019c7e669912f15703ede92b1a60cb11f'],
];

describe('TarSum header vectors (§5.4, TestIteration)', () => {
  for (const [version, entry, v2015, v2018] of ITERATION) {
    it(`${version} ${entry.name}${entry.xattrs ? ' +xattrs' : ''}: 2015 and ≥2018 eras`, async () => {
      const tar = tarOf([entry]);
      expect(await sum(tar, version, 2015)).toBe(v2015);
      expect(await sum(tar, version, 2018)).toBe(v2018);
    });
  }

  it('the dev file.txt file sum is 43d4be38… (final = H(fileSum))', () => {
    const ts = new TarSum({ version: 'dev' });
    ts.update(tarOf([{ name: 'file.txt' }]));
    expect(ts.digest()).toBe('tarsum.dev+sha256:6ffd43a1573a9913325b4918e124ee982a99c0f3cba90fc032a65f5e20bdd465');
    expect(new TarSum({ version: 'dev', extra: Buffer.from('43d4be3846f3c1bdaa49c97e4d419beee4d0071bd365d1995b1bc4ba811a6d51') }).digest())
      .toBe('tarsum.dev+sha256:6ffd43a1573a9913325b4918e124ee982a99c0f3cba90fc032a65f5e20bdd465');
  });
});

const L46 = '46af0962ab5afeb5ce6740d4d91652e69206fc991fd5328c1a94d364ad00e457';
const L51 = '511136ea3c5a64f264b78b5433614aec563103b4d4702f3ba7d4d2698e22c158';

/** §5.4 archive vectors: [tar, version, extra json ('2015' = v1.6.0, 'now' = current, none), compat, expected]. */
const ARCHIVES: Array<[string, TarsumVersion, '2015' | 'now' | 'none', TarsumCompat, string]> = [
  [L46, 'v0', '2015', 2015, 'tarsum+sha256:e58fcf7418d4390dec8e8fb69d88c06ec07039d651fedd3aa72af9972e7d046b'],
  [L46, 'dev', '2015', 2015, 'tarsum.dev+sha256:486b86e25c4db4551228154848bc4663b15dd95784b1588980f4ba1cb42e83e9'],
  [L46, 'v0', 'now', 2018, 'tarsum+sha256:4095cc12fa5fdb1ab2760377e1cd0c4ecdd3e61b4f9b82319d96fcea6c9a41c6'],
  [L46, 'dev', 'now', 2018, 'tarsum.dev+sha256:db56e35eec6ce65ba1588c20ba6b1ea23743b59e81fb6b7f358ccbde5580345c'],
  [L46, 'v1', 'none', 2015, 'tarsum.v1+sha256:41cd5c911333ee394776e432fc5a27cc82dfea313e5feff965e31c0fddd9213d'],
  ['xattr', 'v0', '2015', 2015, 'tarsum+sha256:e86f81a4d552f13039b1396ed03ca968ea9717581f9577ef1876ea6ff9b38c98'],
  ['xattr', 'dev', '2015', 2015, 'tarsum.dev+sha256:6235cd3a2afb7501bac541772a3d61a3634e95bc90bb39a4676e2cb98d08390d'],
  ['xattr', 'v0', 'now', 2018, 'tarsum+sha256:07e304a8dbcb215b37649fde1a699f8aeea47e60815707f1cdf4d55d25ff6ab4'],
  ['xattr', 'dev', 'now', 2018, 'tarsum.dev+sha256:6c58917892d77b3b357b0f9ad1e28e1f4ae4de3a8006bd3beb8beda214d8fd16'],
  ['xattr', 'v1', 'none', 2015, 'tarsum.v1+sha256:e77e6c36c4bc32c0795ca8a8c086bbaa6cb83b0d785522182d45d770cc5eeb6f'],
  [L51, 'v0', '2015', 2015, 'tarsum+sha256:ac672ee85da9ab7f9667ae3c32841d3e42f33cc52c273c23341dabba1c8b0c8b'],
  [L51, 'v0', 'now', 2018, 'tarsum+sha256:c66bd5ec9f87b8f4c6135ca37684618f486a3dd1d113b138d0a177bfa39c2571'],
  [L51, 'v1', 'none', 2015, 'tarsum.v1+sha256:324d4cf44ee7daa46266c1df830c61a7df615c0632176a339e7310e34723d67a'],
];

describe('TarSum archive vectors (§5.4, moby pkg/tarsum/testdata)', () => {
  for (const [dir, version, json, compat, expected] of ARCHIVES) {
    it(`${dir.slice(0, 8)} ${version} extra=${json} (${compat})`, async () => {
      const extra = json === 'none' ? undefined : json === '2015' ? testdata('tarsum', 'json-2015', dir, 'json') : testdata('tarsum', dir, 'json');
      const got = await tarsumOf(createReadStream(testdataPath('tarsum', dir, 'layer.tar')), { version, compat, extra });
      expect(got).toBe(expected);
    });
  }

  it('gzip-compressed input gives the same TarSum as the plain tar', async () => {
    const tar = testdata('tarsum', L46, 'layer.tar');
    expect(await sum(gzipSync(tar), 'v1', 2015)).toBe('tarsum.v1+sha256:41cd5c911333ee394776e432fc5a27cc82dfea313e5feff965e31c0fddd9213d');
  });
});

const COLLISIONS: Array<[number, string, string]> = [
  [0, '08653904a68d3ab5c59e65ef58c49c1581caa3c34744f8d354b3f575ea04424a', '7cabb5e9128bb4a93ff867b9464d7c66a644ae51ea2e90e6ef313f3bef93f077'],
  [1, 'b51c13fbefe158b5ce420d2b930eef54c5cd55c50a2ee4abdddea8fa9f081e0d', '805fd393cfd58900b10c5636cf9bab48b2406d9b66523122f2352620c85dc7f9'],
  [2, '381547080919bb82691e995508ae20ed33ce0f6948d41cafbeb70ce20c73ee8e', '85d2b8389f077659d78aca898f9e632ed9161f553f144aef100648eac540147b'],
  [3, 'f886e431c08143164a676805205979cd8fa535dfcef714db5515650eea5a7c0f', 'cbe4dee79fe979d69c16c2bccd032e3205716a562f4a3c1ca1cbeed7b256eb19'],
];

describe('TarSum collision vectors (duplicate names ordered by position)', () => {
  for (const [n, v2015, v2018] of COLLISIONS) {
    it(`collision-${n}.tar, v0, both eras`, async () => {
      const tar = testdata('tarsum', `collision-${n}.tar`);
      expect(await sum(tar, 'v0', 2015)).toBe(`tarsum+sha256:${v2015}`);
      expect(await sum(tar, 'v0', 2018)).toBe(`tarsum+sha256:${v2018}`);
    });
  }
});
