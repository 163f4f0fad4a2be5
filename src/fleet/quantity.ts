import { z } from 'zod';

/** A number of hosts, or a share of some set of hosts written as "25%" (the Kubernetes int-or-percent). */
export type Quantity = number | string;

const PERCENT_PATTERN = /^(100|[1-9]?\d)%$/;

// No transform to a number here: the server generates its OpenAPI document from these schemas, and transforms have no
// JSON Schema. resolveQuantity reads the percentage instead.
export const percentageSchema = z.string().regex(PERCENT_PATTERN, 'expected a whole percentage such as 25%');

export const quantitySchema = z.union([z.number().int().nonnegative(), percentageSchema]);

/**
 * How many hosts a quantity means out of `total`. A percentage rounds the way the caller asks: batches round up so a
 * 5% canary of 10 hosts is 1 host rather than none; budgets round down so "25% unavailable" is never exceeded.
 */
export function resolveQuantity(quantity: Quantity, total: number, rounding: 'up' | 'down'): number {
  if (typeof quantity === 'number') {
    return quantity;
  }
  if (!PERCENT_PATTERN.test(quantity)) {
    throw new RangeError(`not a quantity: ${JSON.stringify(quantity)}`);
  }
  const share = (Number(quantity.slice(0, -1)) * total) / 100;
  return rounding === 'up' ? Math.ceil(share) : Math.floor(share);
}
