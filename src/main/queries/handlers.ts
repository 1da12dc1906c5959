import type { QueryParam } from '../config/schemas/queries.js';
import type { Row } from './reader-pool.js';
import type { QueryService, QueryStats } from './service.js';

// Handlers for the proposed contract commands `query.list` and `query.run` (their
// zod schemas belong in src/shared/api.ts; these types mirror them).

export interface QueryListResult {
  queries: { name: string; description: string; params: QueryParam[]; cacheTtl: number; stats: QueryStats }[];
}
export interface QueryRunParams {
  name: string;
  params: Record<string, string | number | boolean | null>;
}
export interface QueryRunResult {
  query: string;
  results: Row[];
  count: number;
  cached: boolean;
  ms: number;
}

export function queryHandlers(service: QueryService): {
  'query.list': () => QueryListResult;
  'query.run': (p: QueryRunParams) => Promise<QueryRunResult>;
} {
  return {
    'query.list': () => ({ queries: service.list() }),
    'query.run': (p) => service.run(p.name, p.params),
  };
}
