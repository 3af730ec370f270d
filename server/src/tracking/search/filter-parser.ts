/**
 * Parses MLflow search filters into {@link Comparison}s. The grammar is deliberately small, as in
 * MLflow: comparisons joined by AND, no OR, no parentheses except around IN lists. Which operators
 * and value types a key accepts depends on its entity (§5 of the MLflow notes).
 */

import type { Comparison, ListOperator, NullOperator, NumericOperator, StringOperator } from './ast.ts';
import { EXPERIMENT_VOCABULARY, RUN_VOCABULARY, resolveName } from './names.ts';
import type { ResolvedName, SearchVocabulary } from './names.ts';
import { fail, tokenize } from './tokenizer.ts';
import type { Token } from './tokenizer.ts';

const NUMERIC_OPS: readonly string[] = ['=', '!=', '>', '>=', '<', '<='];
const STRING_OPS: readonly string[] = ['=', '!=', 'LIKE', 'ILIKE'];

type RawOperator = NumericOperator | 'LIKE' | 'ILIKE' | ListOperator | NullOperator;

function describeToken(t: Token): string {
  return t.kind === 'end' ? 'end of input' : `'${t.text}'`;
}

function entityLabel(name: ResolvedName): string {
  return name.entity === 'attribute' ? `attribute '${name.key}'` : `${name.entity} '${name.key}'`;
}

class FilterParser {
  private readonly tokens: Token[];
  private index = 0;
  private readonly vocab: SearchVocabulary;
  private readonly src: string;
  private readonly field = 'filter';
  private readonly what = 'filter';

  constructor(src: string, vocab: SearchVocabulary) {
    this.src = src;
    this.vocab = vocab;
    this.tokens = tokenize(src, this.what, this.field);
  }

  private peek(): Token {
    return this.tokens[this.index]!;
  }

  private next(): Token {
    const t = this.tokens[this.index]!;
    if (t.kind !== 'end') this.index++;
    return t;
  }

  private bad(detail: string): never {
    fail(this.what, this.src, this.field, detail);
  }

  parse(): Comparison[] {
    const out: Comparison[] = [];
    if (this.peek().kind === 'end') return out;
    for (;;) {
      out.push(this.comparison());
      const t = this.next();
      if (t.kind === 'end') return out;
      if (t.kind !== 'keyword' || t.value !== 'AND') {
        this.bad(`unexpected token ${describeToken(t)} at position ${t.pos}; comparisons can only be joined with AND`);
      }
    }
  }

  private comparison(): Comparison {
    const lhs = this.next();
    if (lhs.kind !== 'name') {
      this.bad(`expected a key such as metrics.<name> at position ${lhs.pos}, found ${describeToken(lhs)}`);
    }
    const name = resolveName(this.vocab, this.vocab.filterAttributes, lhs.prefix, lhs.key, lhs.pos, {
      what: this.what,
      src: this.src,
      field: this.field,
    });
    const opToken = this.peek();
    const op = this.operator(lhs.text);
    this.checkOperator(name, op, opToken.pos);

    if (op === 'IS NULL' || op === 'IS NOT NULL') {
      return { entity: name.entity as 'param' | 'tag', key: name.key, op };
    }
    if (op === 'IN' || op === 'NOT IN') {
      const values = this.list();
      if (name.entity === 'dataset') return { entity: 'dataset', key: name.key, op, values };
      return { entity: 'attribute', key: name.key, op, values, numeric: false };
    }
    const valueToken = this.next();
    if (name.numeric) {
      if (valueToken.kind !== 'number') {
        this.bad(`expected a number for ${entityLabel(name)} at position ${valueToken.pos}, found ${describeToken(valueToken)}`);
      }
      const nop = op as NumericOperator;
      if (name.entity === 'metric') return { entity: 'metric', key: name.key, op: nop, value: valueToken.value };
      return { entity: 'attribute', key: name.key, op: nop, value: valueToken.value, numeric: true };
    }
    const value = this.stringValue(valueToken, name);
    const sop = op as StringOperator;
    switch (name.entity) {
      case 'param':
      case 'tag':
        return { entity: name.entity, key: name.key, op: sop, value };
      case 'dataset':
        return { entity: 'dataset', key: name.key, op: sop, value };
      default:
        return { entity: 'attribute', key: name.key, op: sop, value, numeric: false };
    }
  }

  private operator(after: string): RawOperator {
    const t = this.next();
    if (t.kind === 'operator') return t.value;
    if (t.kind === 'keyword') {
      switch (t.value) {
        case 'LIKE':
        case 'ILIKE':
        case 'IN':
          return t.value;
        case 'NOT': {
          const n = this.next();
          if (n.kind === 'keyword' && n.value === 'IN') return 'NOT IN';
          this.bad(`expected IN after NOT at position ${n.pos}, found ${describeToken(n)}; NOT is only allowed in NOT IN`);
          break;
        }
        case 'IS': {
          let n = this.next();
          let negated = false;
          if (n.kind === 'keyword' && n.value === 'NOT') {
            negated = true;
            n = this.next();
          }
          if (n.kind === 'keyword' && n.value === 'NULL') return negated ? 'IS NOT NULL' : 'IS NULL';
          this.bad(`expected NULL at position ${n.pos}, found ${describeToken(n)}`);
          break;
        }
        default:
          break;
      }
    }
    this.bad(`expected a comparison operator after '${after}' at position ${t.pos}, found ${describeToken(t)}`);
  }

  private checkOperator(name: ResolvedName, op: RawOperator, pos: number): void {
    let allowed: readonly string[];
    if (name.entity === 'metric' || (name.entity === 'attribute' && name.numeric)) {
      allowed = NUMERIC_OPS;
    } else if (name.entity === 'param' || name.entity === 'tag') {
      allowed = [...STRING_OPS, 'IS NULL', 'IS NOT NULL'];
    } else if (name.entity === 'dataset') {
      allowed = [...STRING_OPS, 'IN', 'NOT IN'];
    } else {
      allowed = this.vocab.attributeOperators.get(name.key) ?? STRING_OPS;
    }
    if (!allowed.includes(op)) {
      const listKeys = [...this.vocab.attributeOperators].filter(([, ops]) => ops.includes('IN')).map(([k]) => k);
      const hint = op === 'IN' || op === 'NOT IN' ? ` (IN lists are only supported for ${listKeys.join(', ')})` : '';
      this.bad(`operator '${op}' at position ${pos} is not supported for ${entityLabel(name)}; use one of ${allowed.join(', ')}${hint}`);
    }
  }

  private stringValue(t: Token, name: ResolvedName): string {
    if (t.kind === 'string') return t.value;
    // MLflow accepts double-quoted values too (sqlparse reads them as identifiers).
    if (t.kind === 'name' && t.prefix === undefined && t.quote === '"') return t.key;
    this.bad(`expected a quoted string for ${entityLabel(name)} at position ${t.pos}, found ${describeToken(t)}`);
  }

  private list(): string[] {
    const open = this.next();
    if (open.kind !== '(') this.bad(`expected '(' at position ${open.pos}, found ${describeToken(open)}`);
    const values: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'string') values.push(t.value);
      else if (t.kind === 'name' && t.prefix === undefined && t.quote === '"') values.push(t.key);
      else this.bad(`expected a quoted string in the IN list at position ${t.pos}, found ${describeToken(t)}`);
      const sep = this.next();
      if (sep.kind === ')') return values;
      if (sep.kind !== ',') this.bad(`expected ',' or ')' at position ${sep.pos}, found ${describeToken(sep)}`);
    }
  }
}

/** Parses a run filter (`metrics.acc > 0.9 and params.model = 'xgb'`); empty or absent means no filter. */
export function parseRunFilter(filter: string | undefined): Comparison[] {
  if (filter === undefined || filter.trim() === '') return [];
  return new FilterParser(filter, RUN_VOCABULARY).parse();
}

/** Parses an experiment filter (`name LIKE 'churn%' AND tags.team = 'ds'`). */
export function parseExperimentFilter(filter: string | undefined): Comparison[] {
  if (filter === undefined || filter.trim() === '') return [];
  return new FilterParser(filter, EXPERIMENT_VOCABULARY).parse();
}
