/**
 * Whether a running container shares this process's network (host networking on an engine of
 * this machine): then what this process reaches at an address is what the container, and every
 * build beside it, reaches there. Read from /proc: the container's process must be this
 * container's (its cgroup names the container's id, so a pid of another machine or another pid
 * namespace that happens to exist here does not pass) and its network namespace this process's.
 * Anything unreadable (another user's process, no /proc) answers no: the caller then asks
 * inside the container, the slower way that always holds.
 */
import * as fs from 'node:fs';

export function sharesThisNetwork(container: { id: string; pid: number }): boolean {
  if (!container.pid || !container.id) return false;
  try {
    if (!fs.readFileSync(`/proc/${container.pid}/cgroup`, 'utf8').includes(container.id)) return false;
    return fs.readlinkSync(`/proc/${container.pid}/ns/net`) === fs.readlinkSync('/proc/self/ns/net');
  } catch {
    return false;
  }
}
