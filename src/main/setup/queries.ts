import type { CommandParams, CommandResult } from '../../shared/api.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Logger } from '../log/logger.js';
import { handleQueryHttp } from '../queries/http.js';
import { QueryService } from '../queries/service.js';
import { applyConfigIndexes } from '../store/config-indexes.js';
import { derivedQueries } from '../sla/sla-sql.js';
import type { Store } from '../store/store.js';
import type { HttpRoute } from '../web/server.js';

type QueryCommands = { [N in 'query.list' | 'query.run']: (p: CommandParams<N>) => CommandResult<N> | Promise<CommandResult<N>> };

export interface QueriesFeature {
  service: QueryService;
  /** Applies a new snapshot: indexes first (so queries plan with them), then the queries. */
  apply(snapshot: ConfigSnapshot): void;
  commands: QueryCommands;
  routes: HttpRoute[];
  stop(): Promise<void>;
}

export function setupQueries(opts: { store: Store; log: Logger }): QueriesFeature {
  const log = opts.log.child({ component: 'queries' });
  const service = new QueryService(opts.store, { logger: log });

  return {
    service,
    apply: (snapshot) => {
      const report = applyConfigIndexes(opts.store, snapshot.queries.indexes);
      for (const p of report.problems) {
        log.warn(`index ${p.indexName} not applied: ${p.message}`);
        opts.store.errors.record('config', `index ${p.indexName} not applied: ${p.message}`);
      }
      if (report.created.length || report.dropped.length) log.info('config indexes updated', { created: report.created.join(','), dropped: report.dropped.join(',') });
      // The queries derived from sla_rules.yaml beside queries.yaml's (which win a name they share).
      const file = { ...snapshot.queries, queries: { ...derivedQueries(snapshot.sla), ...snapshot.queries.queries } };
      for (const p of service.load(file)) log.error(`query "${p.query}" not loaded: ${p.message}`);
    },
    commands: {
      'query.list': () => ({
        queries: service.list().map((q) => ({
          name: q.name,
          description: q.description,
          params: q.params.map((p) => ({ name: p.name, type: p.type, required: p.required, default: p.default })),
          cacheTtl: q.cacheTtl,
          stats: { calls: q.stats.calls, cacheHits: q.stats.cacheHits, avgMs: q.stats.avgMs, maxMs: q.stats.maxMs, lastError: q.stats.lastError },
        })),
      }),
      // An unknown query or a bad param is a UserError: the API answers invalid_params itself.
      'query.run': (p) => service.run(p.name, p.params),
    },
    routes: [
      {
        method: 'GET',
        match: (pathname) => {
          const m = /^\/api\/query\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(pathname);
          return m ? { name: m[1] as string } : null;
        },
        handle: ({ url, params }) => handleQueryHttp(service, params.name as string, url.searchParams),
      },
    ],
    stop: () => service.close(),
  };
}
