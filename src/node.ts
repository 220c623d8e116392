/**
 * Node entry point (`tfjs-initializers/node`): everything in the main entry, plus a
 * `file://` handler registered on import when no other `file://` handler exists
 * (so model.save('file://...') works on the cpu and wasm backends without tfjs-node).
 * Kept apart from the main entry so browser bundles never pull in `fs`.
 */
import { registerFileSystem } from './io/file_system.js';

export * from './index.js';
export {
  NodeFileSystem,
  fileSystem,
  fileSystemRouter,
  registerFileSystem,
  modelJsonText,
  writeFileAtomic,
} from './io/file_system.js';

registerFileSystem();
