export interface DiffLine {
  kind: 'same' | 'add' | 'del';
  text: string;
  /** Line number in the saved file (same, del) or in the editor (add). */
  line: number;
}

/** Beyond this many cells the LCS table costs too much; the diff says "everything changed". */
const MAX_TABLE_CELLS = 4_000_000;

/**
 * Line diff between the saved file and the editor, by longest common subsequence
 * after trimming the common head and tail (an edit is usually in one place).
 * Config files are a few hundred lines, so the quadratic table stays small.
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  const head: DiffLine[] = a.slice(0, start).map((text, i) => ({ kind: 'same', text, line: i + 1 }));
  const tail: DiffLine[] = a.slice(endA).map((text, i) => ({ kind: 'same', text, line: endA + i + 1 }));
  if (x.length * y.length > MAX_TABLE_CELLS) {
    return [...head, ...x.map((text, i) => ({ kind: 'del' as const, text, line: start + i + 1 })), ...y.map((text, i) => ({ kind: 'add' as const, text, line: start + i + 1 })), ...tail];
  }
  // lcs[i][j] = common lines of x[i..] and y[j..]
  const lcs = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const middle: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      middle.push({ kind: 'same', text: x[i]!, line: start + i + 1 });
      i++;
      j++;
    } else if (j < y.length && (i >= x.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      middle.push({ kind: 'add', text: y[j]!, line: start + j + 1 });
      j++;
    } else {
      middle.push({ kind: 'del', text: x[i]!, line: start + i + 1 });
      i++;
    }
  }
  return [...head, ...middle, ...tail];
}

/** How many lines differ: removed plus added. */
export function changedLines(before: string, after: string): number {
  if (before === after) return 0;
  return diffLines(before, after).filter((d) => d.kind !== 'same').length;
}

/** The changed lines with `context` unchanged lines around each change; `null` marks a gap. */
export function withContext(diff: DiffLine[], context = 2): Array<DiffLine | null> {
  const keep = diff.map(() => false);
  diff.forEach((d, i) => {
    if (d.kind === 'same') return;
    for (let k = Math.max(0, i - context); k <= Math.min(diff.length - 1, i + context); k++) keep[k] = true;
  });
  const out: Array<DiffLine | null> = [];
  diff.forEach((d, i) => {
    if (keep[i]) out.push(d);
    else if (out.length > 0 && out[out.length - 1] !== null) out.push(null);
  });
  if (out[out.length - 1] === null) out.pop();
  return out;
}
