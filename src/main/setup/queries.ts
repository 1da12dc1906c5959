import type { CommandParams, CommandResult } from '../../shared/api.js';
import type { ConfigSnapshot } from '../config/snapshot.js';
import type { Logger } from '../log/logger.js';
import { handleQueryHttp } from '../queries/http.js';
import { QueryService, type SharedQueryEngine } from '../queries/service.js';
import { planConfigIndexes, reportJob, type IndexReport } from '../store/config-indexes.js';
import { IndexBuilder } from '../store/index-builder.js';
import { derivedQueries } from '../sla/sla-sql.js';
import type { Store } from '../store/store.js';
import type { HttpRoute } from '../web/server.js';

type QueryCommands = { [N in 'query.list' | 'query.run']: (p: CommandParams<N>) => CommandResult<N> | Promise<CommandResult<N>> };

export interface QueriesFeature {
  service: QueryService;
  /**
   * Applies a new snapshot: the queries at once, the indexes in a worker (built
   * meanwhile; SQLite re-plans a prepared query when the schema changes).
   */
  apply(snapshot: ConfigSnapshot): void;
  /** Resolves once the indexes asked for so far are built (tests). */
  indexesSettled(): Promise<void>;
  /** A config index is being built: the file's write lock is the builder's until it is done (IndexBuilder.building). */
  indexesBuilding(): boolean;
  commands: QueryCommands;
  routes: HttpRoute[];
  stop(): Promise<void>;
}

export function setupQueries(opts: { store: Store; log: Logger; shared?: Promise<SharedQueryEngine> }): QueriesFeature {
  const log = opts.log.child({ component: 'queries' });
  const service = new QueryService(opts.store, { logger: log, shared: opts.shared });
  const builder = new IndexBuilder({ dbPath: opts.store.path, nativeBinding: opts.store.nativeBinding });
  const problems = (report: IndexReport): void => {
    for (const p of report.problems) {
      log.warn(`index ${p.indexName} not applied: ${p.message}`);
      opts.store.errors.record('config', `index ${p.indexName} not applied: ${p.message}`);
    }
  };

  return {
    service,
    apply: (snapshot) => {
      const { report, jobs } = planConfigIndexes(opts.store, snapshot.queries.indexes);
      problems(report);
      if (jobs.length) {
        // Built in a worker: CREATE INDEX on a big table takes seconds, never on this thread.
        void builder.run(jobs).then((results) => {
          const done: IndexReport = { created: [], dropped: [], unchanged: [], problems: [] };
          for (const r of results) reportJob(done, r.job, r.error);
          try {
            problems(done);
          } catch (err) {
            log.warn('could not record an index problem', { err });
          }
          const ms = Math.round(results.reduce((n, r) => n + r.ms, 0));
          if (done.created.length || done.dropped.length) log.info('config indexes updated', { created: done.created.join(','), dropped: done.dropped.join(','), ms });
        });
      }
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
    indexesSettled: () => builder.settled(),
    indexesBuilding: () => builder.building,
    stop: () => {
      builder.stop();
      return service.close();
    },
  };
}
