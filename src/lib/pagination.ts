/** One page of a list, as every list answers: the items, how many there are in all, and the window asked for. */
export interface PageResult<T> {
  items: T[];
  total: number;
  skip: number;
  limit: number;
}
