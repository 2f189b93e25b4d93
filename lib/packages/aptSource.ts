/**
 * The text that makes apt prefer the contrail repo: its source line and its pin. Pure, shared by
 * the repo step (the URL it hands on) and the image builds (contrail-install writes the same text;
 * the unit tests keep the two in step).
 */
import * as net from 'node:net';

/** `http://host:port`; an IPv6 address goes in brackets, as URLs require. */
export function repoUrl(host: string, port: number): string {
  const bare = host.replace(/^\[|\]$/g, '');
  return `http://${net.isIPv6(bare) ? `[${bare}]` : bare}:${port}`;
}

/**
 * The host of a repo URL as apt names it in `Pin: origin`: without brackets and port.
 * (The original build matched only numeric IPv4 addresses here.)
 */
export function pinHost(url: string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, '');
}

/**
 * `deb [trusted=yes] <url> ./`: the repo is unsigned (served from loopback by us, or trusted by
 * the config's choice); `deb [signed-by=<keyring>] ...` when packages.key gives its key.
 */
export function sourceLine(url: string, distribution = './', keyring?: string): string {
  return `deb [${keyring ? `signed-by=${keyring}` : 'trusted=yes'}] ${url.replace(/\/+$/, '')} ${distribution}`;
}

/** The apt preferences that make the repo win, even over newer versions when priority > 1000. */
export function preferences(host: string, priority: number): string {
  return `Package: *\nPin: origin "${host}"\nPin-Priority: ${priority}\n`;
}
