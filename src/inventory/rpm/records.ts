/** One installed package's header blob as a database stores it, under rpm's header number for it. */
export interface HeaderRecord {
  /** rpm's header instance number (the BerkeleyDB key, the NDB package index, the SQLite `hnum`). */
  instance: number;
  blob: Buffer;
}

/**
 * Where a database could be read only in part, as "where: what" lines (`page 17: overflow chain loops back to page 9`).
 * Readers append to it and go on with what they can still read; the cataloger turns each into a CatalogProblem.
 */
export type ReadProblems = string[];
