import type { Handler } from '../context.js';
import { sendJSON } from '../http.js';
import { nextLink } from '../pagination.js';
import { checkName, checkPageSize } from '../validate.js';

/** `GET /v2/<name>/tags/list[?n=&last=]` with a relative `Link` when more tags follow. */
export const listTags: Handler = async ({ res, params, query, storage }) => {
  const name = checkName(params.name);
  const n = checkPageSize(query.get('n'), Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const last = query.get('last') ?? undefined;
  const all = (await storage.tags.list(name)).filter((t) => last === undefined || t > last);
  const page = all.slice(0, n);
  const headers: Record<string, string> = {};
  if (n > 0 && all.length > page.length) headers.Link = nextLink(`/v2/${name}/tags/list`, n, page[page.length - 1]!);
  sendJSON(res, 200, { name, tags: page }, headers);
};
