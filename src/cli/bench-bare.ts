/**
 * The other side of `npm run bench:read` and `npm run bench:wallet`: bare Express 5 handlers
 * answering GET /api/v1/parts/:partId, and POST /api/v1/wallet/transfers (its JSON body parsed),
 * with a fixed JSON body from memory, in a process of its own.
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
app.post('/api/v1/wallet/transfers', express.json(), (_req, res) => {
  res.status(201).json(body);
});
app.listen(Number(port), '127.0.0.1');
