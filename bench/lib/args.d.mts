// Types for args.mjs (used by test/bench/*.test.ts).
export declare const GROUPS: string[];
export declare const EXTRA_GROUPS: string[];
export declare const DEFAULT_GROUPS: string[];
export declare const USAGE: string;
export interface BenchOptions { quick: boolean; runs: number; memRuns: number; only: Set<string>; keep: boolean; help: boolean }
export declare function parseArgs(argv: string[]): BenchOptions;
export declare function sizeLabel(bytes: number): string;
export declare function sizesFor(quick: boolean): {
  big: [number, number]; blobs: [number, number]; huge: [number, number]; small: [number, number]; wrkSeconds: number;
  bigLabel: string; blobLabel: string; hugeLabel: string; smallLabel: string;
};
