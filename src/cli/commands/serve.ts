import type { Command } from 'commander';

/** `dist serve`: not implemented yet (placeholder owned by whoever implements it). */
export function register(_program: Command): void {}
