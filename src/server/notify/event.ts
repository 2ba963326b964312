import { randomUUID } from 'node:crypto';
import type { RegistryEvent } from '../context.js';

/** distribution's notification media type (v2.8; v3 uses `…events.v2+json`). */
export const EVENTS_MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';

/** One event as distribution sends it (protocol-notes §8.3). */
export interface DistributionEvent {
  id: string;
  timestamp: string;
  action: string;
  target: {
    mediaType?: string;
    size?: number;
    length?: number;
    digest?: string;
    repository: string;
    fromRepository?: string;
    url?: string;
    tag?: string;
  };
  request: { id: string; addr: string; host: string; method: string; useragent: string };
  actor: { name?: string };
  source: { addr: string; instanceID: string };
}

export interface EventSource {
  /** `host:port` of this registry. */
  addr: string;
  instanceID: string;
  /** `http` or `https`, for `target.url`. */
  scheme: string;
}

/** Turn a registry event into distribution's event JSON (delete events are sparse, as in later versions). */
export function toDistributionEvent(e: RegistryEvent, source: EventSource): DistributionEvent {
  const target: DistributionEvent['target'] = { repository: e.repository };
  if (e.action === 'delete') {
    if (e.digest) target.digest = e.digest;
    if (e.tag && e.kind === 'tag') target.tag = e.tag;
  } else {
    target.mediaType = e.mediaType ?? (e.kind === 'blob' ? 'application/octet-stream' : undefined);
    if (e.size !== undefined) {
      target.size = e.size;
      target.length = e.size;
    }
    if (e.digest) target.digest = e.digest;
    if (e.fromRepository) target.fromRepository = e.fromRepository;
    if (e.tag) target.tag = e.tag;
    if (e.digest && e.request.host) {
      target.url = `${source.scheme}://${e.request.host}/v2/${e.repository}/${e.kind === 'blob' ? 'blobs' : 'manifests'}/${e.digest}`;
    }
  }
  return {
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: e.action,
    target,
    request: e.request,
    actor: e.actor?.name ? { name: e.actor.name } : {},
    source: { addr: source.addr, instanceID: source.instanceID },
  };
}
