/**
 * Imported first by the renderer, before the schemas are built: zod would probe `new Function` to
 * compile parsers, which a notebook webview's CSP may forbid and report.
 */
import { config } from 'zod/mini';

config({ jitless: true });
