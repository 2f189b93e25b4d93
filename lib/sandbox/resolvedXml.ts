/**
 * `.repo/manifest.xml` of a sandbox: the manifest as resolved (as `repo manifest -r` writes it):
 * absolute fetch URLs (credentials left out), each project's revision its commit, the branch or
 * tag it came from as `upstream`. packages.make reads the project paths from it. Pure.
 */
import { escapeAttr } from './manifestXml';
import type { ManifestProject, SandboxManifest } from './manifest';

/** What of a resolved sandbox (resolve.ts) the file shows: the manifest and each project's commit. */
interface Resolved {
  manifest: SandboxManifest;
  projects: (ManifestProject & { commit: string | null })[];
}

const withoutCredentials = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');

const element = (tag: string, attrs: Record<string, string | undefined | null>, children: string[] = [], indent = '  '): string => {
  const a = Object.entries(attrs).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => ` ${k}="${escapeAttr(v!)}"`).join('');
  return children.length ? `${indent}<${tag}${a}>\n${children.join('\n')}\n${indent}</${tag}>` : `${indent}<${tag}${a}/>`;
};

/** A manifest as recorded (fetch URLs absolute, revisions as given), as XML: read again, it passes every check of a manifest. */
export function recordedManifestXml(m: SandboxManifest): string {
  const lines = [
    ...m.remotes.map((r) => element('remote', { name: r.name, fetch: r.fetch })),
    element('default', { remote: m.default.remote, revision: m.default.revision }),
    ...m.projects.map((p) => element('project', { name: p.name, path: p.path, remote: p.remote, revision: p.revision }, [
      ...p.copyfiles.map((c) => element('copyfile', { src: c.src, dest: c.dest }, [], '    ')),
      ...p.linkfiles.map((l) => element('linkfile', { src: l.src, dest: l.dest }, [], '    ')),
    ])),
  ];
  return `<manifest>\n${lines.join('\n')}\n</manifest>\n`;
}

export function resolvedManifestXml(s: Resolved): string {
  const lines = [
    ...s.manifest.remotes.map((r) => element('remote', { name: r.name, fetch: withoutCredentials(r.fetch) })),
    element('default', { remote: s.manifest.default.remote, revision: s.manifest.default.revision }),
    ...s.projects.map((p) => element('project', {
      name: p.name, path: p.path, remote: p.remote, revision: p.commit ?? p.revision, upstream: p.commit && p.commit !== p.revision ? p.revision : undefined,
    }, [
      ...p.copyfiles.map((c) => element('copyfile', { src: c.src, dest: c.dest }, [], '    ')),
      ...p.linkfiles.map((l) => element('linkfile', { src: l.src, dest: l.dest }, [], '    ')),
    ])),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<manifest>\n${lines.join('\n')}\n</manifest>\n`;
}
