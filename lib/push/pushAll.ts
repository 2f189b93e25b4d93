/**
 * Pushes images through the engine, up to `jobs` at once: tag, push with the tag given, read the
 * manifest digest back from the registry and compare it with the one the engine pushed.
 * Transient failures are retried with backoff; the summary says what happened to each image.
 */
import type Docker from 'dockerode';
import { pushStream, tagImage } from '../docker/images';
import { buildError } from '../errors';
import { mapLimit } from '../limit';
import type { Logger } from '../log';
import type { ShipImage } from '../ship';
import { followJsonStream } from '../docker/stream';
import type { RegistryTarget } from './connect';
import { errorText, RetriesEnded, withRetries, type Backoff } from './retry';
import { pushSummary, pushTargets, type PushOutcome, type PushTarget } from './targets';

export interface PushRequest {
  target: RegistryTarget;
  images: ShipImage[];
  version: string;
  jobs: number;
  retries: number;
  log: Logger;
  signal?: AbortSignal;
  backoff?: Backoff;
}

/** An error a retry cannot fix, whatever its words. */
const permanent = (message: string) => Object.assign(new Error(message), { permanent: true });

async function pushOne(docker: Docker, req: PushRequest, t: PushTarget): Promise<PushOutcome> {
  const { client, auth } = req.target;
  let before: string | null | undefined;
  let attempts = 0;
  try {
    const digest = await withRetries(async () => {
      attempts++;
      // tag the exact image that was built (by id), under the registry's name
      await tagImage(docker, t.image.id, t.repository, t.tag);
      if (before === undefined) before = await client.manifestDigest(t.name, t.tag);
      const stream = await pushStream(docker, t.repository, t.tag, auth, req.signal);
      // the engine retries a failed layer upload itself (a few times, waits growing by 5 s), counting
      // each wait down second by second: one line per retry, so it is shown, not silent
      const retrying = new Set<string>();
      const outcome = await followJsonStream(stream, (ev) => {
        const layer = ev.id ?? '?';
        if (ev.status && /^Retrying in/i.test(ev.status)) {
          if (!retrying.has(layer)) req.log.warn(`push of ${t.ref}: layer ${layer} failed to upload; the engine retries it (${ev.status.toLowerCase()})`);
          retrying.add(layer);
          return;
        }
        retrying.delete(layer);
        if (ev.status && !ev.progress && ev.id) req.log.debug(`${t.ref}: ${ev.id} ${ev.status}`);
      });
      if (outcome.error) throw new Error(outcome.error);
      const pushed = outcome.aux.find((a) => typeof a.Digest === 'string')?.Digest as string | undefined;
      const after = await client.manifestDigest(t.name, t.tag);
      if (!after) throw permanent(`the registry has no ${t.ref} after the push`);
      if (pushed && pushed !== after) throw permanent(`the registry reports ${after} for ${t.ref}, the engine pushed ${pushed}`);
      return after;
    }, { retries: req.retries, what: `push of ${t.ref}`, log: req.log, signal: req.signal, backoff: req.backoff });
    return { component: t.image.component, ref: t.ref, status: before === digest ? 'already there' : 'pushed', digest, attempts };
  } catch (e) {
    if (req.signal?.aborted) throw e;
    const last = e instanceof RetriesEnded ? e.last : e;
    return { component: t.image.component, ref: t.ref, status: 'failed', digest: null, attempts, error: errorText(last) };
  }
}

export async function pushAll(docker: Docker, req: PushRequest): Promise<PushOutcome[]> {
  const targets = pushTargets(req.images, req.target.address, req.version);
  req.log.info(`pushing ${targets.length} images to ${req.target.address.host}, ${req.jobs} at once`);
  const outcomes = await mapLimit(targets, req.jobs, (t) => pushOne(docker, req, t));
  for (const line of pushSummary(outcomes)) req.log.info(line);
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length) {
    throw buildError(
      `push failed for ${failed.length} of ${outcomes.length} images: ${failed.map((o) => o.ref).join(', ')}`,
      'the summary above says why; transient failures were already retried (config push.retries)',
      { details: failed.map((o) => `${o.ref}: ${o.error}`) },
    );
  }
  return outcomes;
}
