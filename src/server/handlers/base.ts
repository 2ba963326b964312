import type { Handler } from '../context.js';
import { sendJSON } from '../http.js';

/** `GET /v2/`: the version check. */
export const getBase: Handler = async ({ res }) => {
  sendJSON(res, 200, {});
};
