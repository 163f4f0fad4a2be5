// Command-line options of a benchmark: `--flag` alone, `--name value` pairs.

export interface BenchArgs {
  /** Whether `--NAME` was given. */
  flag(name: string): boolean;
  /** The value after `--NAME`, if given. */
  option(name: string): string | undefined;
  /** The number after `--NAME`, or the fallback; a value that is not a number is an error naming the option. */
  number(name: string, fallback: number): number;
}

export function benchArgs(list: readonly string[] = process.argv.slice(2)): BenchArgs {
  const option = (name: string) => {
    const at = list.indexOf(`--${name}`);
    return at === -1 ? undefined : list[at + 1];
  };
  return {
    flag: (name) => list.includes(`--${name}`),
    option,
    number(name, fallback) {
      const given = option(name);
      if (given === undefined) return fallback;
      const value = Number(given);
      if (given.trim() === '' || Number.isNaN(value)) throw new Error(`--${name} wants a number, not "${given}"`);
      return value;
    },
  };
}
