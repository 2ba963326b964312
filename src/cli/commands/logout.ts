import type { Command } from 'commander';

/** `dist logout`: not implemented yet (placeholder owned by whoever implements it). */
export function register(_program: Command): void {}
