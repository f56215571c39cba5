/**
 * The other side of `npm run bench:read`: a bare Express 5 handler answering
 * GET /api/v1/parts/:partId with a fixed JSON body from memory, in a process of its own.
 *
 *   tsx src/cli/bench-bare.ts <port> <file with the JSON body>
 */
import { readFileSync } from 'node:fs';
import express from 'express';

const [port, bodyFile] = process.argv.slice(2);
if (!port || !bodyFile) throw new Error('usage: bench-bare.ts <port> <body.json>');
const body: unknown = JSON.parse(readFileSync(bodyFile, 'utf8'));
const app = express();
app.get('/api/v1/parts/:partId', (_req, res) => {
  res.json(body);
});
app.listen(Number(port), '127.0.0.1');
