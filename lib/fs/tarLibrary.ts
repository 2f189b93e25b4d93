/**
 * node-tar, loaded at its first use (~15 ms of a start-up otherwise): a no-op run hashes build
 * contexts and finds its packages unchanged without packing or reading any tar.
 */
import type * as Tar from 'tar';

export type { Tar };

export const tarLibrary = (): typeof Tar => require('tar') as typeof Tar;
