/**
 * The other side of `npm run bench:read`, `bench:wallet` and `bench:orders`: bare Express 5
 * handlers answering GET /api/v1/parts/:partId, and any POST under /api/v1/ (its JSON body parsed),
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
// Money-moving requests (a transfer, an order): the JSON body parsed, the fixed body answered.
app.post('/api/v1/{*route}', express.json(), (_req, res) => {
  res.status(201).json(body);
});
app.listen(Number(port), '127.0.0.1');
