/**
 * The CSV of Loghub's `*_structured*.csv` files (RFC 4180): comma-separated,
 * fields optionally quoted, `""` inside quotes is one quote, and quoted fields
 * may hold commas and line breaks. Rows end with LF or CRLF.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  // Fields are taken as slices of the text, not built a character at a time,
  // so they are plain strings (a rope of single characters is slow to read).
  while (i < n) {
    let field: string;
    if (text[i] === '"') {
      // A quoted field: read to the closing quote, unescaping doubled quotes.
      field = '';
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close === -1) throw new SyntaxError('CSV: unterminated quoted field');
        field += text.slice(i, close);
        i = close + 1;
        if (text[i] !== '"') break;
        field += '"';
        i++;
      }
      if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') throw new SyntaxError('CSV: text after a closing quote');
    } else {
      let end = i;
      while (end < n && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      field = text.slice(i, end);
      i = end;
    }
    row.push(field);
    if (i >= n) break;
    if (text[i] === ',') {
      i++;
      if (i === n) row.push('');
    } else {
      rows.push(row);
      row = [];
      i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
    }
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

/** One Loghub system's lines and true grouping, read from a structured CSV. */
export interface LabelledLines {
  readonly lines: string[];
  readonly truth: string[];
}

/** Picks the `Content` column as the lines and `EventTemplate` as the true group of each. */
export function labelledLinesFromCsv(text: string, truthColumn = 'EventTemplate'): LabelledLines {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) throw new SyntaxError('CSV: no header row');
  const content = header.indexOf('Content');
  const template = header.indexOf(truthColumn);
  if (content === -1 || template === -1) {
    throw new SyntaxError(`CSV: needs the columns Content and ${truthColumn}, has ${header.join(', ')}`);
  }
  const lines: string[] = [];
  const truth: string[] = [];
  for (const row of rows) {
    if (row.length === 1 && row[0] === '') continue; // a blank line
    if (row.length !== header.length) throw new SyntaxError(`CSV: a row has ${row.length} fields, the header ${header.length}`);
    lines.push(row[content]!);
    truth.push(row[template]!);
  }
  return { lines, truth };
}
