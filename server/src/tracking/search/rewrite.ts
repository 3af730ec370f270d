import { tokenize } from './tokenizer.ts';

/**
 * Rewrites the quoted values of the comparisons whose left side `matches`, keeping every other
 * character of the filter as the user wrote it, so no value is ever re-escaped. `rewrite` gets
 * and returns the raw text between the quotes. The filter must already have been parsed
 * successfully, so each comparison is `<name> <operator> <value>` joined by AND.
 */
export function rewriteComparisonValues(
  filter: string,
  matches: (prefix: string | undefined, key: string) => boolean,
  rewrite: (raw: string) => string,
): string {
  const tokens = tokenize(filter, 'filter', 'filter');
  const edits: { start: number; end: number; text: string }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const previous = tokens[i - 1];
    const startsComparison = i === 0 || (previous?.kind === 'keyword' && previous.value === 'AND');
    if (!startsComparison || t.kind !== 'name' || !matches(t.prefix, t.key)) continue;
    const value = tokens[i + 2];
    if (value && (value.kind === 'string' || (value.kind === 'name' && value.quote !== undefined))) {
      edits.push({ start: value.pos + 1, end: value.pos + value.text.length - 1, text: rewrite(value.text.slice(1, -1)) });
    }
  }
  let out = filter;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
