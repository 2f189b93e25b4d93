/**
 * A repo container's index, read where it is cheapest and still what the builds see: from this
 * machine when the container shares its network (a GET on loopback, about a millisecond), else
 * from inside the container with the flavor's own tool (an exec: ~60 ms, as the engine starts a
 * process there). A no-op run reads it once to know the packages the images pin.
 */
import type Docker from 'dockerode';
import { sharesThisNetwork } from '../docker/sameNetwork';
import { localGet } from '../net/localGet';
import type { IndexSummary } from './packagesIndex';

/** What differs between the deb and the rpm repo: its recipe, where the files go, its index. */
export interface RepoFlavor {
  /** the build context's folder (its Dockerfile and server script) */
  context: string;
  /** the folder of the context the package files go into */
  filesDir: string;
  /** what answers when the repo serves, relative to its URL: for messages */
  readyPath: string;
  /** one URL's body, fetched from inside the container (so from the engine's network) with a tool its image has */
  fetchInside(container: Docker.Container, url: string): Promise<Fetched>;
  /** the index text under the repo's URL, its files read through `fetch` (readRepoIndex below picks where from) */
  readIndex(fetch: (url: string) => Promise<Fetched>, url: string): Promise<{ text?: string; error?: string }>;
  summarize(text: string): IndexSummary;
}

/** A URL's body, or why there is none. */
export interface Fetched {
  body?: Buffer;
  error?: string;
}

/** as the tools inside give up (`timeout 5`, urlopen's timeout 5) */
const TIMEOUT_MS = 5000;
/** as much as the rpm primary metadata may be (PRIMARY_MAX_BYTES) */
const MAX_BYTES = 1 << 30;

/** The container's index under `url`: its id and pid as inspected while it runs. */
export function readRepoIndex(docker: Docker, container: { id: string; pid: number }, url: string, flavor: RepoFlavor): Promise<{ text?: string; error?: string }> {
  const fetch = sharesThisNetwork(container)
    ? (u: string) => localGet(u, { timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES })
    : (u: string) => flavor.fetchInside(docker.getContainer(container.id), u);
  return flavor.readIndex(fetch, url);
}
