import { type Entity, notFound, rowVersionConflict } from './errors.js';

/**
 * An edit guarded by row_version: run the conditional UPDATE (which matches only when the
 * version the client read is still current); when it matched nothing, tell "gone" (404)
 * from "changed since you read it" (409 with the current row, so the client can show it).
 */
export async function updateOrConflict<Row, Current>(options: {
  entity: Entity;
  update: () => Promise<Row | undefined>;
  current: () => Promise<Current | undefined>;
}): Promise<Row> {
  const updated = await options.update();
  if (updated !== undefined) return updated;
  const current = await options.current();
  if (current === undefined) throw notFound(options.entity);
  throw rowVersionConflict(options.entity, current);
}
