// csv.mjs - a strict RFC 4180 reader for the tests that read Custos's CSV exports: quoted
// fields, doubled quotes, records ended by CRLF; a loose quote or a bare LF outside quotes
// fails the test.
import assert from 'node:assert/strict';

// The records of text as arrays of cells.
export function parseCsv(text) {
  const rows = [];
  let i = 0;
  while (i < text.length) {
    const row = [];
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        for (i++; ; i++) {
          assert.ok(i < text.length, 'unterminated quoted field');
          if (text[i] === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (text[i] === '"') break;
          else cell += text[i];
        }
        i++;
      } else {
        while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
          assert.ok(text[i] !== '"' && text[i] !== '\n', `loose quote or LF at ${i}`);
          cell += text[i++];
        }
      }
      row.push(cell);
      if (text[i] === ',') { i++; continue; }
      assert.equal(text.slice(i, i + 2), '\r\n', `a record must end with CRLF at ${i}`);
      i += 2;
      break;
    }
    rows.push(row);
  }
  return rows;
}

// The header, and the other records as objects keyed by it.
export function csvTable(text) {
  const [header, ...rows] = parseCsv(text);
  return { header, rows: rows.map((r) => Object.fromEntries(header.map((h, k) => [h, r[k]]))) };
}
