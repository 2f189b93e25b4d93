/**
 * The port each engine's contrail-repo container serves on. Repo containers use host networking,
 * so two engines on one machine sharing a port would collide; engines on different machines may
 * share one. The first engine keeps repo.port (its container is the one contrailRepo serves);
 * each further engine on a machine already holding a repo takes the next free port above. Which
 * machine: a unix socket or a loopback tcp address is this one; a remote engine, its host. Pure.
 */
import { engineIsRemote } from '../docker/engine';
import type { NamedEngine } from '../docker/engines';
import { inputError } from '../errors';

const MAX_PORT = 65535;

/** The machine an engine runs on, as far as its address tells: '' for this one. */
export function engineMachine(engine: NamedEngine): string {
  if (!engineIsRemote(engine.target)) return '';
  return new URL(engine.target.address).hostname.toLowerCase();
}

/**
 * One port per engine of the list, in its order. `engines` is the whole configured list (not only
 * those answering now), so an engine's port, and with it its container, stays the same from run
 * to run. `where` names the setting in the error when the ports run past 65535.
 */
export function repoPorts(engines: readonly NamedEngine[], port: number, where = 'repo.port'): number[] {
  const next = new Map<string, number>();
  return engines.map((engine) => {
    const machine = engineMachine(engine);
    const chosen = next.get(machine) ?? port;
    if (chosen > MAX_PORT) {
      throw inputError(`${where} ${port}: the ${engines.length} engines need a repo port each on one machine, which runs past ${MAX_PORT}`,
        `choose a lower repo port (--repo-port); engines on one machine use ${port} and the ports after it`);
    }
    next.set(machine, chosen + 1);
    return chosen;
  });
}
