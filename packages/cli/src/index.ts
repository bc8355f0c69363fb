export type { InspectorOptions } from './inspect.js';
export { createInspector } from './inspect.js';
export { processIO, runCli } from './main.js';
export type { SchemeName, SchemeSettings, SignInput } from './schemes.js';
export { SCHEMES, signHeaders } from './schemes.js';
export type { CliIO } from './usage.js';
