import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { precompressDirectory } from '../src/http/precompress';

// The SPA lives in web/; the API server (src/) serves web/dist in production and is
// reached through this proxy during development.
const webRoot = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = process.env.VITE_API_TARGET ?? 'http://127.0.0.1:3000';

// The keywords api/limits.ts reads from a schema; everything else is left out of the bundle.
const LIMIT_KEYWORDS = new Set(['maxLength', 'minLength', 'maximum', 'minimum', 'maxItems', 'items', 'anyOf', 'properties']);

function limitsOnly(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(limitsOnly);
  if (typeof schema !== 'object' || schema === null) return schema;
  const kept = Object.entries(schema).filter(([key]) => LIMIT_KEYWORDS.has(key));
  return Object.fromEntries(kept.map(([key, value]) => [key, key === 'properties' ? propertiesLimits(value) : limitsOnly(value)]));
}

function propertiesLimits(properties: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, limitsOnly(schema)]));
}

interface OperationDocument {
  parameters?: { in: string; name: string; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
}

function operationLimits(operation: OperationDocument): OperationDocument {
  const parameters = (operation.parameters ?? []).map(({ in: where, name, schema }) => ({ in: where, name, schema: limitsOnly(schema) }));
  const body = operation.requestBody?.content?.['application/json']?.schema;
  if (body === undefined) return { parameters };
  return { parameters, requestBody: { content: { 'application/json': { schema: limitsOnly(body) } } } };
}

/**
 * The app reads only field limits from the OpenAPI document (api/limits.ts), so the build
 * keeps each operation's query parameters and JSON body limits and drops descriptions,
 * examples and responses: the bundle carries a few kilobytes instead of the whole document.
 */
function openApiLimitsOnly(): Plugin {
  return {
    name: 'openapi-limits-only',
    enforce: 'pre',
    transform(code, id) {
      if (!id.endsWith('/api/openapi.json')) return null;
      const document = JSON.parse(code) as { paths: Record<string, Record<string, OperationDocument>> };
      const paths = Object.fromEntries(
        Object.entries(document.paths).map(([path, operations]) => [
          path,
          Object.fromEntries(Object.entries(operations).map(([method, operation]) => [method, operationLimits(operation)])),
        ]),
      );
      return { code: JSON.stringify({ paths }), map: null };
    },
  };
}

/**
 * After the build, brotli and gzip copies of each text file beside it (src/http/precompress.ts),
 * which the server sends as they are to a browser that accepts them.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle() {
      const files = await precompressDirectory(outDir);
      const sum = (pick: (file: (typeof files)[number]) => number | null) =>
        files.reduce((total, file) => total + (pick(file) ?? file.bytes), 0);
      this.info(
        `precompressed ${files.length} files: ${sum((file) => file.bytes)} bytes, brotli ${sum((file) => file.br_bytes)}, gzip ${sum((file) => file.gzip_bytes)}`,
      );
    },
  };
}

/** Modules that only the forms need (the date picker's libraries come with DateField). */
const FORM_MODULES = /[\\/](DateField|CategoryPicker|TransactionForm|TransferForm|useOverspendConfirm|validation|MoneyInput|useIdempotentMutation)\.tsx?$/;

export default defineConfig({
  root: webRoot,
  plugins: [openApiLimitsOnly(), react(), precompress()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      output: {
        // Libraries change less often than the app; separate chunks stay cached across releases.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router)[\\/]/ },
            { name: 'mantine', test: /node_modules[\\/]@mantine[\\/](?!dates[\\/])/ },
            // Recharts and the libraries only it uses load with the charts, never on the first screen.
            {
              name: 'charts',
              test: /node_modules[\\/](recharts|@reduxjs|react-redux|redux|redux-thunk|immer|reselect|decimal\.js-light|es-toolkit|eventemitter3|tiny-invariant|victory-vendor|d3-[\w-]+|internmap)[\\/]/,
              includeDependenciesRecursively: false,
            },
            { name: 'vendor', test: /node_modules[\\/](?!dayjs[\\/]|@mantine[\\/]dates[\\/])/ },
            // The app's own code on the first screen, whatever it is: one chunk, as before.
            { name: 'app', test: /[\\/]web[\\/]src[\\/]/, tags: ['$initial'] },
            // The small modules that several pages share, in one chunk: the dashboard needs one
            // request for them instead of a dozen, each a round trip on a phone connection
            // (docs/PERFORMANCE.md). What only a form needs stays apart, fetched with the form.
            {
              name: 'shared',
              test: (id) => /[\\/]web[\\/]src[\\/]/.test(id) && !FORM_MODULES.test(id),
              minShareCount: 2,
            },
            // The date picker's libraries load with the forms that use them, not on the first
            // screen; last, so the libraries they share are already in the chunks above.
            { name: 'dates', test: /node_modules[\\/](@mantine[\\/]dates|dayjs)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false },
      '/health': { target: apiTarget, changeOrigin: false },
      '/metrics': { target: apiTarget, changeOrigin: false },
    },
  },
});
