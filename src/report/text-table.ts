/** 1536 → "1.5 KiB": sizes for people; JSON output keeps exact byte counts. */
export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** A cell holding a list (an advisory and its CVEs): to fit a width, items are left out with a count, "A, B +13". */
export interface ListCell {
  /** Shown before the list, which is then put in parentheses: `ALSA-2023:5763 (CVE-…, CVE-…)`. */
  head?: string;
  items: string[];
}

/** A cell that can be said shorter, its forms widest first: `2023-10-18 (257 d)`, then `257 d`. */
export interface FormsCell {
  forms: [string, ...string[]];
}

export type Cell = string | ListCell | FormsCell;

export interface TableLayout {
  /** The width to fit, in columns (the terminal's); without it the table is as wide as its content. */
  width?: number;
  /** Columns whose text may be cut short with `…` to fit (list and forms cells can always be shortened). */
  truncatable?: number[];
}

/**
 * Left-aligned columns separated by two spaces, as `podman images` prints them. Given a width, the widest
 * shortenable columns give way first (lists lose items, cells take a shorter form, truncatable text is cut, never
 * below TRUNCATED_MIN characters); other columns keep their width, so a table that still does not fit wraps.
 */
export function table(rows: Cell[][], layout: TableLayout = {}): string {
  const truncatable = layout.truncatable ?? [];
  const budgets = layout.width === undefined ? undefined : columnBudgets(rows, layout.width, truncatable);
  const text = rows.map((row) => row.map((cell, i) => fitCell(cell, budgets?.[i], truncatable.includes(i))));
  const widths: number[] = [];
  for (const row of text) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return text
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The list of `cell` with its first `shown` items and a count of the rest. */
export function listText(cell: ListCell, shown = cell.items.length): string {
  const hidden = cell.items.length - shown;
  const items = cell.items.slice(0, shown).join(', ');
  const list = hidden === 0 ? items : items === '' ? `+${hidden}` : `${items} +${hidden}`;
  if (cell.head === undefined) return list;
  return cell.items.length === 0 ? cell.head : `${cell.head} (${list})`;
}

const TRUNCATED_MIN = 12;
const GAP = 2;

/** Every way to print a cell, widest first; a string that may be cut has its shortest cut as a last form. */
function forms(cell: Cell, truncatable: boolean): string[] {
  if (typeof cell === 'string') {
    return truncatable && cell.length > TRUNCATED_MIN ? [cell, `${cell.slice(0, TRUNCATED_MIN - 1)}…`] : [cell];
  }
  if ('forms' in cell) return cell.forms;
  return cell.items.map((_, i) => listText(cell, cell.items.length - i)).concat(listText(cell, 0));
}

/**
 * How wide each column may be to fit `width`: one cap for all shortenable columns, as high as fits (the widest give
 * way first), none lower than its narrowest cell's shortest form.
 */
function columnBudgets(rows: Cell[][], width: number, truncatable: number[]): number[] {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const natural = Array.from({ length: columns }, () => 0);
  const least = Array.from({ length: columns }, () => 0);
  for (const row of rows) {
    for (const [i, cell] of row.entries()) {
      const each = forms(cell, truncatable.includes(i));
      natural[i] = Math.max(natural[i] ?? 0, each[0]?.length ?? 0);
      least[i] = Math.max(least[i] ?? 0, each.at(-1)?.length ?? 0);
    }
  }
  const budgetsAt = (cap: number) => natural.map((wide, i) => Math.max(least[i] ?? 0, Math.min(wide, cap)));
  const total = (budgets: number[]) => budgets.reduce((sum, each) => sum + each, 0) + GAP * (columns - 1);
  let low = 0;
  let high = Math.max(0, ...natural);
  while (low < high) {
    const cap = Math.ceil((low + high) / 2);
    if (total(budgetsAt(cap)) <= width) low = cap;
    else high = cap - 1;
  }
  return budgetsAt(low);
}

function fitCell(cell: Cell, budget: number | undefined, truncatable: boolean): string {
  const each = forms(cell, truncatable);
  const widest = each[0] ?? '';
  if (budget === undefined || widest.length <= budget) return widest;
  if (typeof cell === 'string') return `${cell.slice(0, Math.max(0, budget - 1))}…`;
  return each.find((form) => form.length <= budget) ?? each.at(-1) ?? '';
}

export function shortDigest(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
