// Removes the folders given on the command line (a portable `rm -rf`).
const fs = require('fs');
for (const dir of process.argv.slice(2)) fs.rmSync(dir, { recursive: true, force: true });
