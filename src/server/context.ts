import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Digest } from '../digest/digest.js';
import type { RegistryStorage } from '../storage/registry-storage.js';
import type { Logger } from './log.js';
import type { RouteParams } from './router.js';
import type { UploadState } from './upload-state.js';

/** What a registry event (push/pull/delete/mount) carries, after distribution's notifications. */
export interface RegistryEvent {
  action: 'push' | 'pull' | 'delete' | 'mount';
  repository: string;
  digest?: Digest;
  mediaType?: string;
  size?: number;
  tag?: string;
  fromRepository?: string;
  /** `blob` or `manifest` (or `tag` for a tag deletion). */
  kind: 'blob' | 'manifest' | 'tag';
  request: { id: string; addr: string; host: string; method: string; useragent: string };
  actor?: { name?: string };
}

/** What one handler call sees. Handlers never see a driver path, only storage services. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: RouteParams;
  query: URLSearchParams;
  storage: RegistryStorage;
  deleteEnabled: boolean;
  /** storage.redirect: answer blob GET/HEAD with a 307 to the store when the driver can presign. */
  redirect?: boolean;
  uploadState: UploadState;
  log: Logger;
  emit(e: Omit<RegistryEvent, 'request' | 'actor'>): void;
}

export type Handler = (ctx: Ctx) => Promise<void>;
