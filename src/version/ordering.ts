/** The result of comparing two versions: -1 when the first sorts before the second, 0 when equal, 1 when after. */
export type Ordering = -1 | 0 | 1;

/** The sign of a C-style comparison result (any negative, zero or positive number). */
export function orderingOf(difference: number): Ordering {
  return difference < 0 ? -1 : difference > 0 ? 1 : 0;
}
