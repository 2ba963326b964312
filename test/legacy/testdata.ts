import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The TarSum and schema 1 test data, in the repository (see test/testdata/PROVENANCE.md). */
export const TESTDATA = resolve(dirname(fileURLToPath(import.meta.url)), '../testdata');

export function testdata(...parts: string[]): Buffer {
  return readFileSync(join(TESTDATA, ...parts));
}

export const testdataPath = (...parts: string[]): string => join(TESTDATA, ...parts);

/** Worked example B's private key (protocol-notes §3.9, the ES256 key of docs/spec/auth/token.md). */
export const EXAMPLE_B_KEY = '{"kty":"EC","crv":"P-256","kid":"PYYO:TEWU:V7JH:26JV:AQTZ:LJC3:SXVJ:XGHA:34F2:2LAQ:ZRMK:Z7Q6","d":"R7OnbfMaD5J2jl7GeE8ESo7CnHSBm_1N2k9IXYFrKJA","x":"m7zUpx3b-zmVE5cymSs64POG9QcyEpJaYCD82-549_Q","y":"dU3biz8sZ_8GPB-odm8Wxz3lNDr1xcAQQPQaOcr1fmc"}';
