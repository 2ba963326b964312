// Types for the pure parts of wrk.mjs (used by test/bench/*.test.ts).
export declare function wrkScript(paths: string[]): string;
export declare function parseWrk(stdout: string): { requests: number; rps: number; mibps: number; p50ms: number; p99ms: number; errors: number };
