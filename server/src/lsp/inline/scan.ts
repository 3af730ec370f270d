/**
 * Finds MLflow metric calls in Python source (a file or one notebook cell), for the inline lens
 * and hover: `log_metric("key", …)` with any receiver (`mlflow.`, `client.`, none),
 * `client.log_metric(run_id, "key", …)`, `log_metric(key="key", …)` and
 * `log_metrics({"a": …, "b": …})` / `log_metrics(metrics={…})`. Only plain string-literal keys
 * count (no f-strings, no variables). A small tokenizer skips comments and string contents, so
 * text that merely mentions `log_metric(` inside them is ignored; calls may span lines, and an
 * unfinished call (the user still typing) still yields what it has so far. Pure: no I/O.
 */

export interface Position {
  line: number;
  /** UTF-16 code units, as LSP counts by default (and as JS strings index). */
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface MetricKeyRef {
  key: string;
  /** The string literal, quotes included. */
  range: Range;
}

export interface MetricCall {
  fn: 'log_metric' | 'log_metrics';
  /** From the function name to the closing parenthesis (or the end of the text when unclosed). */
  range: Range;
  keys: MetricKeyRef[];
}

type TokenKind = 'name' | 'string' | 'number' | 'op';

interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
  /** For a plain (non-f, non-bytes) string literal: its value. */
  value?: string;
}

const NAME_START = /[A-Za-z_\u00C0-\uFFFF]/;
const NAME_PART = /[A-Za-z0-9_\u00C0-\uFFFF]/;
const STRING_PREFIX = /^(?:[rRuUbBfFtT]{1,2})$/;

/** Python tokens without comments, whitespace or newlines; good enough to find calls and literals. */
function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === '#') {
      while (i < n && src[i] !== '\n' && src[i] !== '\r') i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\\') {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      tokens.push(readString(src, i, i, ''));
      i = tokens[tokens.length - 1]!.end;
      continue;
    }
    if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < n && NAME_PART.test(src[j]!)) j++;
      const word = src.slice(i, j);
      if (j < n && (src[j] === '"' || src[j] === "'") && STRING_PREFIX.test(word)) {
        const t = readString(src, i, j, word.toLowerCase());
        tokens.push(t);
        i = t.end;
        continue;
      }
      tokens.push({ kind: 'name', text: word, start: i, end: j });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < n && /[0-9A-Za-z_.]/.test(src[j]!)) j++;
      tokens.push({ kind: 'number', text: src.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    tokens.push({ kind: 'op', text: c, start: i, end: i + 1 });
    i++;
  }
  return tokens;
}

/** A string literal starting at `start` (prefix included) whose opening quote is at `q`. */
function readString(src: string, start: number, q: number, prefix: string): Token {
  const quote = src[q]!;
  const triple = src.startsWith(quote.repeat(3), q);
  const raw = prefix.includes('r');
  const open = triple ? 3 : 1;
  let i = q + open;
  let value = '';
  let closed = false;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\') {
      const next = src[i + 1] ?? '';
      value += raw ? c + next : unescape(next);
      i += 2;
      continue;
    }
    if (triple ? src.startsWith(quote.repeat(3), i) : c === quote) {
      i += open;
      closed = true;
      break;
    }
    // A single-quoted string ends at the line end even when unterminated.
    if (!triple && (c === '\n' || c === '\r')) break;
    value += c;
    i++;
  }
  const plain = closed && !prefix.includes('f') && !prefix.includes('b') && !prefix.includes('t');
  return { kind: 'string', text: src.slice(start, i), start, end: i, ...(plain ? { value } : {}) };
}

function unescape(c: string): string {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '\n':
      return '';
    default:
      return c;
  }
}

/** Offsets to LSP positions. */
class LineIndex {
  private readonly starts: number[] = [0];
  constructor(src: string) {
    for (let i = 0; i < src.length; i++) {
      const c = src[i];
      if (c === '\r' && src[i + 1] === '\n') continue;
      if (c === '\n' || c === '\r') this.starts.push(i + 1);
    }
  }
  position(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo]! };
  }
}

/** The top-level arguments of a call whose `(` is at token index `open`; `close` is the `)` index or tokens.length. */
function callArguments(tokens: Token[], open: number): { args: Token[][]; close: number } {
  const args: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  let i = open + 1;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'op') {
      if (t.text === '(' || t.text === '[' || t.text === '{') depth++;
      else if (t.text === ')' || t.text === ']' || t.text === '}') {
        if (depth === 0) break;
        depth--;
      } else if (t.text === ',' && depth === 0) {
        args.push(current);
        current = [];
        continue;
      }
    }
    current.push(t);
  }
  if (current.length > 0) args.push(current);
  return { args, close: i };
}

/** A lone plain string literal (the whole argument), else undefined. */
function literal(arg: readonly Token[] | undefined): Token | undefined {
  return arg && arg.length === 1 && arg[0]!.kind === 'string' && arg[0]!.value !== undefined ? arg[0] : undefined;
}

/** `name=...`: the value tokens, if `arg` is that keyword argument. */
function keyword(arg: readonly Token[], name: string): Token[] | undefined {
  return arg.length >= 2 && arg[0]!.kind === 'name' && arg[0]!.text === name && arg[1]!.text === '=' && arg[2]?.text !== '='
    ? arg.slice(2)
    : undefined;
}

function isKeywordArg(arg: readonly Token[]): boolean {
  return arg.length >= 2 && arg[0]!.kind === 'name' && arg[1]!.text === '=' && arg[2]?.text !== '=';
}

/** String-literal keys at the top level of a dict display `{ "a": …, "b": … }`. */
function dictKeys(arg: readonly Token[]): Token[] {
  if (arg[0]?.text !== '{') return [];
  const keys: Token[] = [];
  let depth = 0;
  let expectKey = true;
  for (let i = 1; i < arg.length; i++) {
    const t = arg[i]!;
    if (t.kind === 'op' && (t.text === '(' || t.text === '[' || t.text === '{')) depth++;
    else if (t.kind === 'op' && (t.text === ')' || t.text === ']' || t.text === '}')) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && t.text === ',') {
      expectKey = true;
      continue;
    } else if (depth === 0 && expectKey && t.kind === 'string' && t.value !== undefined && arg[i + 1]?.text === ':') {
      keys.push(t);
    }
    if (depth === 0) expectKey = false;
  }
  return keys;
}

/** Every metric call with at least one literal key, in source order. */
export function scanMetricCalls(src: string): MetricCall[] {
  const tokens = tokenize(src);
  const lines = new LineIndex(src);
  const range = (start: number, end: number): Range => ({ start: lines.position(start), end: lines.position(end) });
  const calls: MetricCall[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'name' || (t.text !== 'log_metric' && t.text !== 'log_metrics')) continue;
    if (tokens[i + 1]?.text !== '(') continue;
    // `def log_metric(` defines one; `x = log_metric` is not a call (no paren, skipped above).
    const prev = tokens[i - 1];
    if (prev?.kind === 'name' && (prev.text === 'def' || prev.text === 'class')) continue;
    const { args, close } = callArguments(tokens, i + 1);
    const end = close < tokens.length ? tokens[close]!.end : src.length;
    const keyTokens: Token[] = [];
    if (t.text === 'log_metric') {
      const kw = args.map((a) => keyword(a, 'key')).find((k) => k !== undefined);
      const positional = args.filter((a) => !isKeywordArg(a));
      // Fluent `log_metric(key, value, …)`; client `log_metric(run_id, key, value, …)`.
      const key = kw ? literal(kw) : (literal(positional[0]) ?? (positional.length >= 2 && positional[0]!.length > 0 ? literal(positional[1]) : undefined));
      if (key) keyTokens.push(key);
    } else {
      const kw = args.map((a) => keyword(a, 'metrics')).find((k) => k !== undefined);
      const dict = kw ?? (args[0] && !isKeywordArg(args[0]) ? args[0] : undefined);
      if (dict) keyTokens.push(...dictKeys(dict));
    }
    if (keyTokens.length === 0) continue;
    calls.push({
      fn: t.text,
      range: range(t.start, end),
      keys: keyTokens.map((k) => ({ key: k.value!, range: range(k.start, k.end) })),
    });
  }
  return calls;
}

/** The distinct keys of a scan, in first-seen order. */
export function metricKeys(calls: readonly MetricCall[]): string[] {
  return [...new Set(calls.flatMap((c) => c.keys.map((k) => k.key)))];
}
