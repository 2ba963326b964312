import type { Handler } from '../context.js';
import { sendJSON } from '../http.js';
import { nextLink } from '../pagination.js';
import { checkPageSize } from '../validate.js';

/** Default and maximum page sizes of `_catalog` (distribution v3's). */
export const CATALOG_PAGE = 100;
export const CATALOG_MAX = 1000;

/** `GET /v2/_catalog[?n=&last=]`. */
export const listCatalog: Handler = async ({ res, query, storage }) => {
  const n = checkPageSize(query.get('n'), CATALOG_PAGE, CATALOG_MAX);
  const last = query.get('last') ?? undefined;
  const page = await storage.catalog.page(n, last);
  const headers: Record<string, string> = {};
  if (n > 0 && page.more) headers.Link = nextLink('/v2/_catalog', n, page.repositories[page.repositories.length - 1]!);
  sendJSON(res, 200, { repositories: page.repositories }, headers);
};
