// Marks dist/esm as ES modules so Node loads its .js files with `import`.
const fs = require('fs');
const path = require('path');
fs.writeFileSync(path.join(__dirname, '..', 'dist', 'esm', 'package.json'), '{\n  "type": "module"\n}\n');
