/**
 * A small static file server for the built Lab (localhost only).
 *   node lab/serve.js [dir] [--port N]   (default lab/dist, port $PORT or 8080; 0 picks a free port)
 */
const fs = require('fs');
const http = require('http');
const { URL } = require('url');
const path = require('path');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Serves `dir` on 127.0.0.1:`port`; resolves to { server, url }. */
function serve(dir, port = 0) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = path.join(root, pathname === '/' ? 'index.html' : pathname);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      // cross-origin isolation: lets tfjs's wasm backend use its multi-threaded build (SharedArrayBuffer)
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address();
      resolve({ server, url: `http://localhost:${bound}/` });
    });
  });
}

module.exports = { serve };

if (require.main === module) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--port');
  const port = at >= 0 ? Number(args[at + 1]) : Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(
      `lab: --port must be an integer in [0, 65535]; got ${JSON.stringify(args[at + 1] ?? process.env.PORT)}`,
    );
    process.exit(2);
  }
  const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--port') ?? path.join(__dirname, 'dist');
  serve(dir, port).then(
    ({ url }) => console.log(`Init Lab: ${url}  (Ctrl-C to stop)`),
    (error) => {
      console.error(`lab: cannot serve on port ${port}: ${error.message}`);
      process.exit(1);
    },
  );
}
