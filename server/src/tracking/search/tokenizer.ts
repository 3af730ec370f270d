/**
 * The lexer for MLflow's SQL-like search strings. It replaces the `sqlparse` pass MLflow uses, but
 * only knows the handful of token kinds the grammar needs, so anything else (`OR`, `>>`, `;`) is
 * refused with its position instead of being silently reinterpreted.
 */

import { invalid } from '../errors.ts';

export type Token =
  /**
   * `prefix.key`, a bare word, or a quoted name. `quote` is the quote character of a lone quoted
   * token (`"x"` may be a name or a string value, decided by the parser); `prefixed` says a dot
   * was present.
   */
  | { kind: 'name'; prefix: string | undefined; key: string; quote: '"' | '`' | undefined; pos: number; text: string }
  | { kind: 'string'; value: string; pos: number; text: string }
  | { kind: 'number'; value: number; pos: number; text: string }
  | { kind: 'operator'; value: '=' | '!=' | '>' | '>=' | '<' | '<='; pos: number; text: string }
  | { kind: 'keyword'; value: Keyword; pos: number; text: string }
  | { kind: '(' | ')' | ','; pos: number; text: string }
  | { kind: 'end'; pos: number; text: string };

export type Keyword = 'AND' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT' | 'IS' | 'NULL' | 'ASC' | 'DESC';
const KEYWORDS = new Set<string>(['AND', 'LIKE', 'ILIKE', 'IN', 'NOT', 'IS', 'NULL', 'ASC', 'DESC']);
const OPERATORS = new Set<string>(['=', '!=', '>', '>=', '<', '<=']);

const WORD_START = /[\p{L}_]/u;
const WORD_CHAR = /[\p{L}\p{N}_]/u;
// After `prefix.` an unquoted key may hold dots (`tags.mlflow.runName`) and start with a digit.
const KEY_CHAR = /[\p{L}\p{N}_.]/u;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

/** Throws INVALID_PARAMETER_VALUE for `source`, e.g. "Invalid filter 'x': unexpected token ...". */
export function fail(what: string, source: string, field: string, detail: string): never {
  throw invalid(`Invalid ${what} '${source}': ${detail}`, field);
}

function readQuoted(src: string, start: number, quote: string): { value: string; end: number } | undefined {
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === quote) {
      // SQL escapes a quote by doubling it.
      if (src[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    if (c === '\\' && src[i + 1] === quote) {
      value += quote;
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  return undefined;
}

function readWhile(src: string, start: number, pattern: RegExp): number {
  let i = start;
  while (i < src.length) {
    const cp = src.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (!pattern.test(ch)) break;
    i += ch.length;
  }
  return i;
}

/**
 * Splits `src` into tokens. `what`/`field` only shape the error message ("Invalid filter '…':
 * unterminated string starting at position 9").
 */
export function tokenize(src: string, what: string, field: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const bad = (detail: string): never => fail(what, src, field, detail);

  // A name segment: bare word or quoted; returns undefined if none starts at `at`.
  const segment = (at: number, bare: RegExp, first: RegExp): { key: string; quote: '"' | '`' | undefined; end: number } | undefined => {
    const c = src[at];
    if (c === '"' || c === '`') {
      const q = readQuoted(src, at, c);
      if (!q) bad(`unterminated quoted name starting at position ${at}`);
      return { key: q!.value, quote: c, end: q!.end };
    }
    if (c !== undefined && first.test(String.fromCodePoint(src.codePointAt(at)!))) {
      const end = readWhile(src, at, bare);
      return { key: src.slice(at, end), quote: undefined, end };
    }
    return undefined;
  };

  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, pos: start, text: c });
      i++;
      continue;
    }
    if (c === "'") {
      const q = readQuoted(src, i, "'");
      if (!q) bad(`unterminated string starting at position ${start}`);
      i = q!.end;
      tokens.push({ kind: 'string', value: q!.value, pos: start, text: src.slice(start, i) });
      continue;
    }
    if ('<>=!'.includes(c)) {
      const end = readWhile(src, i, /[<>=!]/);
      const op = src.slice(i, end);
      if (!OPERATORS.has(op)) bad(`unexpected token '${op}' at position ${start}`);
      tokens.push({ kind: 'operator', value: op as '=', pos: start, text: op });
      i = end;
      continue;
    }
    const num = NUMBER.exec(src.slice(i));
    if (num && (/\d/.test(c) || c === '-' || c === '.')) {
      const end = i + num[0].length;
      const next = src[end];
      if (next !== undefined && WORD_CHAR.test(next)) {
        bad(`unexpected token '${src.slice(start, readWhile(src, end, WORD_CHAR))}' at position ${start}`);
      }
      tokens.push({ kind: 'number', value: Number(num[0]), pos: start, text: num[0] });
      i = end;
      continue;
    }
    const first = segment(i, WORD_CHAR, WORD_START);
    if (first) {
      i = first.end;
      if (src[i] === '.') {
        const key = segment(i + 1, KEY_CHAR, KEY_CHAR);
        if (!key) bad(`expected a key after '${src.slice(start, i + 1)}' at position ${i + 1}`);
        i = key!.end;
        tokens.push({ kind: 'name', prefix: first.key, key: key!.key, quote: undefined, pos: start, text: src.slice(start, i) });
        continue;
      }
      const upper = first.key.toUpperCase();
      if (first.quote === undefined && KEYWORDS.has(upper)) {
        tokens.push({ kind: 'keyword', value: upper as Keyword, pos: start, text: first.key });
      } else {
        tokens.push({ kind: 'name', prefix: undefined, key: first.key, quote: first.quote, pos: start, text: src.slice(start, i) });
      }
      continue;
    }
    const end = Math.max(readWhile(src, i, /[^\s()',]/), i + 1);
    bad(`unexpected token '${src.slice(start, end)}' at position ${start}`);
  }
  tokens.push({ kind: 'end', pos: src.length, text: '' });
  return tokens;
}
