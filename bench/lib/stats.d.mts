// Types for stats.mjs (used by test/bench/*.test.ts).
export type Unit = 'MiB/s' | 'req/s' | 's' | 'ms' | 'MiB';
export interface Target { ratio?: number; ahead?: boolean; max?: number; unit?: string }
export interface Row {
  figure: string;
  unit: Unit;
  dist: number | string;
  peer: number | string;
  peerName?: string;
  target?: Target;
}
export declare const UNITS: Record<Unit, { higher: boolean; fmt: (x: number) => string }>;
export declare function median(values: number[]): number;
export declare function percentile(values: number[], p: number): number;
export declare function mibps(bytes: number, seconds: number): number;
export declare function advantage(dist: number | string, peer: number | string, unit: Unit): number;
export declare function cell(value: number | string | undefined, unit: Unit): string;
export declare function verdict(row: Row): '' | 'ok' | 'MISS';
export declare function targetText(t: Target | undefined): string;
export declare function formatTable(rows: Row[]): string;
export declare function formatMarkdown(rows: Row[]): string;
