import type pg from 'pg';

/**
 * What a repository function runs its SQL on: the pool for a statement of its own, or the
 * client of a transaction in progress. Every repository takes this one type.
 */
export type Queryable = pg.Pool | pg.PoolClient;
