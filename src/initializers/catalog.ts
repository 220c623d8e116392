/**
 * The catalog: one line per initializer file. Registration (registry.ts), the root exports
 * and every cross-class test iterate this module, so a class file exports only its classes,
 * their factories and their options types. See CONTRIBUTING.md.
 */
export * from './variance_scaling.js';
export * from './presets.js';
export * from './activation_aware.js';
export * from './orthogonal.js';
export * from './truncated_normal.js';
export * from './identity.js';
export * from './sparse.js';
export * from './from_values.js';
export * from './gate_bias.js';
export * from './delta_orthogonal.js';
