/**
 * Offset page tokens in MLflow's format: base64 of `{"offset": N}`. Keeping the exact format lets
 * a token from this store be handed to tools that decode MLflow tokens, and vice versa; clients are
 * told the token is opaque.
 */

import { invalid } from '../errors.ts';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The token for the page that starts at `offset`. */
export function encodePageToken(offset: number): string {
  // Same spacing as Python's json.dumps, so tokens are byte-identical to MLflow's.
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

/** The offset a token points at; no token (or an empty one) means 0. Anything else is a 400. */
export function decodePageToken(token: string | undefined, field = 'page_token'): number {
  if (token === undefined || token === '') return 0;
  if (!BASE64.test(token)) throw invalid(`Invalid page token '${token}': not base64`, field);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw invalid(`Invalid page token '${token}': not an encoded JSON object`, field);
  }
  const offset = typeof parsed === 'object' && parsed !== null ? (parsed as { offset?: unknown }).offset : undefined;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalid(`Invalid page token '${token}': no valid offset`, field);
  }
  return offset;
}
