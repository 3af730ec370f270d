import { request } from 'node:http';

/**
 * An HTTP request with the path sent exactly as written: fetch (WHATWG URL) would turn `%2e%2e/`
 * into `../` and resolve it away before the server ever saw it. `body` chunks go out as given
 * (with `Transfer-Encoding: chunked` in `headers`, one chunk each).
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Uint8Array | Uint8Array[],
): Promise<{ status: number; text: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    for (const chunk of Array.isArray(body) ? body : body !== undefined ? [body] : []) req.write(chunk);
    req.end();
  });
}
