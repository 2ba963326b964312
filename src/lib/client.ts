/**
 * `dist/client`: talk to any V2/OCI registry, and pull / push / copy images.
 *
 *   import { pull, push, copy, RemoteRepository } from 'dist/client';
 *   await pull('127.0.0.1:5000/team/app:v1', { output: './app' });
 */
export { RemoteRepository, type RepositoryOptions } from '../client/repository.js';
export { RemoteRegistry } from '../client/registry.js';
export { RegistryClient, type ClientOptions } from '../client/http.js';
export { UploadJournal, defaultStateDir, type JournalEntry } from '../client/journal.js';
export { summarize, inspectTarget, formatSummary, type ImageSummary } from '../client/summary.js';
export { pull, push, copy, type PullOptions, type TransferOptions, type TransferResult } from '../copy/api.js';
export { openSource, openDestination, type OpenedSource, type OpenedDestination } from '../copy/endpoints.js';
export { copyGraph, type GraphCopyOptions, type GraphCopyResult } from '../copy/graph.js';
export { copyImage, type CopyImageOptions, type CopyImageResult } from '../copy/operations.js';
export { hostPlatform, selectPlatform } from '../copy/select.js';
export type { CopyEvent, CopyEventType, OnEvent } from '../copy/events.js';
