/**
 * Imported first by the panel's entry, before the protocol's schemas are built: zod would probe
 * `new Function` to compile parsers, which the panel's CSP (no 'unsafe-eval') forbids and reports.
 */
import { config } from 'zod';

config({ jitless: true });
