import { z } from 'zod';

// config/base/queries.yaml — named SQL (seed 000 part 2.1 D).

export const QueryParamType = z.enum(['string', 'integer', 'number', 'boolean', 'datetime']);
export type QueryParamType = z.infer<typeof QueryParamType>;

export const QueryParam = z
  .object({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a parameter name is letters, digits and _'),
    type: QueryParamType,
    required: z.boolean().default(false),
    default: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    description: z.string().optional(),
  })
  .strict();
export type QueryParam = z.infer<typeof QueryParam>;

export const QueryDef = z
  .object({
    description: z.string().default(''),
    sql: z.string().min(1),
    /**
     * The query for PostgreSQL, where the dialects differ (date functions, JSON):
     * used instead of `sql` when the database is PostgreSQL. Same :name params.
     */
    postgres: z.string().min(1).optional(),
    params: z.array(QueryParam).default([]),
    /** Seconds a result stays cached (also invalidated by any write to the database). 0 = no cache. */
    cache_ttl: z.number().min(0).default(0),
    /** Milliseconds after which the query is interrupted and reported. */
    timeout_ms: z.number().int().positive().optional(),
  })
  .strict();
export type QueryDef = z.infer<typeof QueryDef>;

export const IndexDef = z
  .object({
    table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
    /** Column names, optionally followed by ` DESC` / ` ASC`. */
    columns: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*( (ASC|DESC))?$/i)).min(1),
    unique: z.boolean().default(false),
    /** Optional partial-index condition (a WHERE clause without the keyword). */
    where: z.string().optional(),
  })
  .strict();
export type IndexDef = z.infer<typeof IndexDef>;

export const QueriesFile = z
  .object({
    version: z.string(),
    queries: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), QueryDef),
    indexes: z.array(IndexDef).default([]),
  })
  .strict();
export type QueriesFile = z.infer<typeof QueriesFile>;
