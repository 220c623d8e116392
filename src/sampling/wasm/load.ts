/**
 * WebAssembly modules from base64 (the `*_bytes.ts` files `npm run build:wasm` writes), compiled once each and
 * synchronously (they are about 1 KB); null where WebAssembly is missing or refused (a Content Security Policy
 * without 'wasm-unsafe-eval'), so callers fall back to JavaScript.
 */

const compiled = new Map<string, WebAssembly.Module | null>();

let wasmSwitchedOn = true;

/**
 * Whether the sampling kernels may use WebAssembly (default true); returns the previous setting. Off, every kernel
 * takes its JavaScript path, as where WebAssembly is refused: the fills give the same values, the WY products of
 * `orthogonal` give the JS kernel's (equal to float32 rounding). Tests use it to compare the paths.
 */
export function allowWasm(allowed: boolean): boolean {
  const previous = wasmSwitchedOn;
  wasmSwitchedOn = allowed;
  return previous;
}

/** Whether `allowWasm` currently allows WebAssembly. */
export function wasmAllowed(): boolean {
  return wasmSwitchedOn;
}

/** The module whose bytes `base64` holds, or null where WebAssembly cannot compile it here (or is switched off). */
export function compileBase64(base64: string): WebAssembly.Module | null {
  if (!wasmSwitchedOn) return null;
  if (!compiled.has(base64)) {
    let module: WebAssembly.Module | null = null;
    if (typeof WebAssembly === 'object' && typeof atob === 'function') {
      try {
        module = new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
      } catch {
        // refused or unsupported (no SIMD): the JavaScript path runs
      }
    }
    compiled.set(base64, module);
  }
  return compiled.get(base64) ?? null;
}
