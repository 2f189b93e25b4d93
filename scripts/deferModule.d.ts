/** See deferModule.js. */
export function deferModule(file: string, names?: string[]): void;
