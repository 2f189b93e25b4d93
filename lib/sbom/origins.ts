/**
 * Where each Contrail package came from, from what the pipeline recorded: packageBuild's
 * manifest (carried by the repo image's label) for packages built from sources, else the
 * packages input (tarball, folder, repository URL). And the contrail-ansible artifact's
 * manifest as SBOM facts. Pure.
 */
import type { AnsibleManifest } from '../ansible/manifest';
import type { Manifest } from '../packages/buildPlan';
import type { AnsibleFacts, PackageOrigin } from './facts';

/** package name -> the source that built it (the file's sha256 as recorded when it was built). */
export function builtOrigins(manifest: Manifest): Record<string, PackageOrigin> {
  const out: Record<string, PackageOrigin> = {};
  for (const s of manifest.sources) {
    const base: PackageOrigin = s.sandbox
      ? {
          kind: 'recipe', source: s.name,
          manifest: { url: s.sandbox.manifest.url, commit: s.sandbox.manifest.commit },
          projects: s.sandbox.projects.map((p) => ({ name: p.name, path: p.path, url: p.url, commit: p.commit ?? '' })),
        }
      : s.git
        ? { kind: 'git', source: s.name, url: s.git, commit: s.commit ?? s.revision }
        : { kind: 'path', source: s.name, revision: s.revision };
    for (const f of s.files) out[f.package] = { ...base, sha256: f.sha256 };
  }
  return out;
}

/** Every package the repo serves, from a tarball (its sha256 when known), a folder or a repository URL. */
export function inputOrigins(kind: 'tar' | 'dir' | 'url', location: string, packages: string[], sha256?: string): Record<string, PackageOrigin> {
  return Object.fromEntries(packages.map((p) => [p, { kind, source: location, ...(sha256 ? { sha256 } : {}) }]));
}

export function ansibleFacts(m: AnsibleManifest): AnsibleFacts {
  return {
    file: m.artifact, sha256: m.sha256, repo: m.repo ?? m.given, ref: m.ref, commit: m.commit,
    dependencies: [
      ...m.roles.map((r) => ({ kind: 'role' as const, name: r.name, src: r.src, version: r.version, commit: r.commit })),
      ...m.collections.map((c) => ({ kind: 'collection' as const, name: c.name, src: c.src, version: c.version, commit: c.commit })),
    ],
  };
}
