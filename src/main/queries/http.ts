import { QueryParamError } from './params.js';
import { UnknownQueryError, type QueryService } from './service.js';
import { QueryTimeoutError } from './reader-pool.js';
import type { HttpReply } from '../web/server.js';

const HTTP_OK = 200;
const HTTP_BAD_REQUEST = 400;
const HTTP_NOT_FOUND = 404;
const HTTP_SERVER_ERROR = 500;
const HTTP_GATEWAY_TIMEOUT = 504;

/**
 * GET /api/query/NAME?param=value… as in seed 000's query service: 200
 * { query, results, count }, 404 for an unknown query, 400 for a bad, missing or
 * undeclared param. A repeated param is a mistake, not a list.
 */
export async function handleQueryHttp(service: QueryService, name: string, searchParams: URLSearchParams): Promise<HttpReply> {
  const params: Record<string, string> = {};
  for (const key of new Set(searchParams.keys())) {
    const values = searchParams.getAll(key);
    if (values.length > 1) return { status: HTTP_BAD_REQUEST, body: { error: `param "${key}" given ${values.length} times` } };
    params[key] = values[0]!;
  }
  try {
    const r = await service.run(name, params);
    return { status: HTTP_OK, body: { query: r.query, results: r.results, count: r.count }, timing: `query;dur=${r.ms.toFixed(2)};desc="${r.cached ? 'cached' : 'run'}"${r.sqlMs === undefined ? '' : `, sql;dur=${r.sqlMs.toFixed(2)}`}` };
  } catch (err) {
    const message = (err as Error).message;
    if (err instanceof UnknownQueryError) return { status: HTTP_NOT_FOUND, body: { error: message } };
    if (err instanceof QueryParamError) return { status: HTTP_BAD_REQUEST, body: { error: message } };
    if (err instanceof QueryTimeoutError) return { status: HTTP_GATEWAY_TIMEOUT, body: { error: message } };
    return { status: HTTP_SERVER_ERROR, body: { error: message } };
  }
}
