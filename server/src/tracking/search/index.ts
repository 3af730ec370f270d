/**
 * MLflow's search grammar, independent of any store: filters, order_by and page tokens.
 */

export type {
  Comparison,
  Entity,
  ListOperator,
  NullOperator,
  NumericOperator,
  Operator,
  OrderBy,
  StringOperator,
} from './ast.ts';
export { parseExperimentFilter, parseRunFilter } from './filter-parser.ts';
export { parseExperimentOrderBy, parseRunOrderBy } from './order-by.ts';
export { decodePageToken, encodePageToken } from './page-token.ts';
