/** The layer-rule table: the registry with every built-in family loaded. Tools import from here. */
import './builtin.js';

export { builtinRules, registerLayerRule, ruleFor, ruleForClass, unregisterLayerRule } from './registry.js';
export type { BuiltinRule } from './registry.js';
export * from './types.js';
