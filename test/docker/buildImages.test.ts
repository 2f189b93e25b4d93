/**
 * The demo family built for real (once per machine; later runs and other files reuse it through
 * the content-hash skip), and what changes make what rebuild.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import { LABELS } from '../../lib/docker/labels';
import { INPUTS_LABEL, OCI } from '../../lib/images/labels';
import { parseInputsLabel, WHOLE_INDEX } from '../../lib/images/inputs';
import type { Summary } from '../../lib/images/summary';
import { engineTarget } from '../../lib/docker/engine';
import { builderImageRef, galaxyImageRef, imageRef, repoContainerName, repoImageRef } from '../../lib/naming';
import { buildImages } from '../helpers/steps';
import { planImages } from '../helpers/steps';
import { DEMO_CONFIG, docker, imageLabels, removeImage } from '../helpers/docker';
import { countingDocker, DEMO_ARGS, DEMO_LOCK, DEMO_VERSION, DEMO_WORK_DIR, demoFamily, type DemoFamily, runWith, runWithDemoPrep } from '../helpers/family';
import { runGulp } from '../helpers/gulp';
import { withTestLock } from '../helpers/lock';
import { tempDir } from '../helpers/temp';
import { oneOf, removeDanglingAfter } from '../helpers/leftovers';

removeDanglingAfter(test, oneOf('t-images-touch', 't-images-ansible', 't-images-pkg', '4.0.0.0-20'));

const OS = 'debian12';
const COMPONENTS = ['base', 'controller', 'analytics', 'analyticsdb', 'agent', 'lb', 'kube-manager', 'mesos-manager',
  'ceph-controller', 'kubernetes-agent', 'vcenter-plugin'];

let shared: Promise<DemoFamily> | undefined;
const demo = () => (shared ??= demoFamily());

/**
 * `docker run --rm IMAGE ARGS...` with host networking: exit code and output (stdout and stderr).
 * The container is removed after its exit is read, not by the engine (AutoRemove), which under
 * load can remove it before the wait call asks for it.
 */
async function run(ref: string, cmd: string[], env: string[] = []): Promise<{ code: number; out: string }> {
  const c = await docker.createContainer({ Image: ref, Cmd: cmd.length > 0 ? cmd : undefined, Env: env, Tty: true, HostConfig: { NetworkMode: 'host' } });
  try {
    await c.start();
    const { StatusCode } = await c.wait();
    const text = ((await c.logs({ stdout: true, stderr: true })) as unknown as Buffer).toString();
    // a terminal gets colours (ansible's); the assertions read plain text
    // oxlint-disable-next-line no-control-regex -- terminal colour codes
    return { code: StatusCode, out: text.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '') };
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}

test('the demo family: every image, with its OCI and project labels, in summary.json', async (t) => {
  const d = await demo();
  t.deepEqual(d.build.images.map((i) => i.component).sort(), [...COMPONENTS].sort());
  const summary: Summary = JSON.parse(fs.readFileSync(path.join(DEMO_WORK_DIR, 'summary.json'), 'utf8'));
  t.true(summary.ok);
  t.is(summary.version, DEMO_VERSION);
  t.is(summary.images[0].component, 'base', 'parents first');
  for (const c of COMPONENTS) {
    const ref = imageRef(c, OS, DEMO_VERSION);
    const row = summary.images.find((i) => i.component === c)!;
    t.true(['built', 'skipped'].includes(row.status), `${c}: ${row.status} ${row.reason}`);
    t.is(row.engine, engineTarget().address, 'no engines given: the one engine, by its address');
    const info = await docker.getImage(ref).inspect();
    t.is(row.id, info.Id);
    t.is(row.size, info.Size);
    t.true(fs.existsSync(row.log) || row.status === 'skipped', row.log);
    const l = info.Config.Labels ?? {};
    t.is(l[OCI.version], DEMO_VERSION);
    t.is(l[OCI.title], `contrail-${c}-${OS}`);
    t.is(l[OCI.revision], d.ansible.commit);
    t.false(Number.isNaN(Date.parse(l[OCI.created])));
    t.is(l[LABELS.project], 'contrail-docker');
    t.is(l[LABELS.role], 'family');
    t.is(l[LABELS.component], c);
    t.is(l[LABELS.os], OS);
    t.is(l[LABELS.version], DEMO_VERSION);
    t.is(l[LABELS.inputHash], row.inputHash);
    const inputs = parseInputsLabel(l[INPUTS_LABEL])!;
    t.truthy(inputs, c);
    t.is(inputs.ansible === undefined, c !== 'base', `${c}: the ansible artifact is an input of contrail-base only`);
    t.deepEqual(Object.keys(inputs.parents), [c === 'base' ? 'debian:bookworm' : `contrail-base-${OS}:${DEMO_VERSION}`]);
    if (c !== 'base') t.is(inputs.parents[`contrail-base-${OS}:${DEMO_VERSION}`], summary.images[0].id!);
    // its own packages; one the repo does not serve (contrail-base's ansible-core, from the distribution) brings the whole index
    const own = d.config.images[c].packages;
    const served = own.filter((p) => d.config.packages.build.expect.includes(p));
    const expected = served.length < own.length ? [...served, WHOLE_INDEX] : served;
    t.deepEqual(Object.keys(inputs.packages).sort(), expected.sort(), `${c}: only its own packages`);
  }
});

test('demo packages are installed in the images that install them, and run; no apt source is left', async (t) => {
  await demo();
  const ref = (c: string) => imageRef(c, OS, DEMO_VERSION);
  const control = await run(ref('controller'), ['contrail-control', '--version']);
  t.is(control.code, 0, control.out);
  t.regex(control.out, /contrail-control .*4\.0\.0\.0-20/);
  const agent = await run(ref('agent'), ['contrail-vrouter-agent', '--version']);
  t.is(agent.code, 0, agent.out);
  t.regex(agent.out, /contrail-vrouter-agent/);
  // base's packages in every image; a component's packages only in that component
  t.is((await run(ref('vcenter-plugin'), ['dpkg', '-s', 'contrail-utils'])).code, 0);
  t.is((await run(ref('vcenter-plugin'), ['contrail-vcenter-plugin', '--version'])).code, 0);
  t.not((await run(ref('controller'), ['dpkg', '-s', 'contrail-vrouter-agent'])).code, 0);
  // contrail-install removed its source, pin and index files
  const apt = await run(ref('controller'), ['sh', '-c', 'ls /etc/apt/sources.list.d /etc/apt/preferences.d; grep -rs "127.0.0.1" /etc/apt; ls /var/lib/apt/lists | grep -c 127.0.0.1 || true']);
  t.notRegex(apt.out, /contrail-repo|127\.0\.0\.1_/);
  t.regex(apt.out.trim(), /0$/);
});

test('contrail-base embeds contrail-ansible and ansible-playbook; a failing playbook stops the container before any service', async (t) => {
  const d = await demo();
  const base = imageRef('base', OS, DEMO_VERSION);
  const ls = await run(base, ['ls', '/contrail-ansible/playbooks/site.yml', '/contrail-ansible/playbooks/roles']);
  t.is(ls.code, 0, ls.out);
  // ansible-core from the distribution, as images.base.packages of the demo asks
  const ansible = await run(base, ['sh', '-c', "ansible-playbook --version && dpkg-query -W -f '${Package}\\n' ansible-core"]);
  t.is(ansible.code, 0, ansible.out);
  t.regex(ansible.out, /^ansible-playbook \[core 2\.\d+/m);
  t.regex(ansible.out, /^ansible-core$/m);
  const env = await run(imageRef('analytics', OS, DEMO_VERSION), ['sh', '-c', 'echo "$CONTRAIL_ROLE $CONTRAIL_VERSION"']);
  t.is(env.out.trim(), `analytics ${DEMO_VERSION}`);
  t.deepEqual((await docker.getImage(imageRef('controller', OS, DEMO_VERSION)).inspect()).Config.ExposedPorts?.['8082/tcp'], {});

  const bad = await run(imageRef('analytics', OS, DEMO_VERSION), [], ['CONTRAIL_PLAYBOOK=/etc/hostname']);
  t.is(bad.code, 1, bad.out);
  t.regex(bad.out, /contrail-entrypoint: FATAL: provisioning role analytics with \/etc\/hostname failed \(exit \d+\); no service was started/);
  t.notRegex(bad.out, /starting contrail-analytics/);
  t.truthy(d.ansible.sha256);
});

test('a second run builds nothing: every image skipped, no build call', async (t) => {
  const d = await demo();
  await withTestLock(DEMO_LOCK, async () => {
    const counting = countingDocker();
    const r = runWith(d.config, counting.docker);
    const result = await buildImages(r);
    t.deepEqual(result.images.map((i) => i.status), COMPONENTS.map(() => 'skipped'));
    t.is(counting.builds(), 0);
    for (const c of COMPONENTS) t.regex(r.log.text(), new RegExp(`info: ${c}: skipped, up to date \\(input hash [0-9a-f]{12}\\)`));
  });
});

test('plan and --images through the CLI: nothing to build; a selection brings its ancestors', async (t) => {
  await demo();
  await withTestLock(DEMO_LOCK, async () => {
    const common = ['--config', DEMO_CONFIG, ...DEMO_ARGS];
    const plan = await runGulp(['plan', ...common]);
    t.is(plan.code, 0, plan.stdout + plan.stderr);
    for (const c of COMPONENTS) t.regex(plan.stdout, new RegExp(`skip\\s+contrail-${c}-${OS}:${DEMO_VERSION}\\s+up to date`));
    t.regex(plan.stdout, /0 to build, 11 to skip/);
    const sel = await runGulp(['buildImages', ...common, '--images', 'kubernetes-agent']);
    t.is(sel.code, 0, sel.stdout + sel.stderr);
    const summary: Summary = JSON.parse(fs.readFileSync(path.join(DEMO_WORK_DIR, 'summary.json'), 'utf8'));
    t.deepEqual(summary.images.map((i) => [i.component, i.status]), [['base', 'skipped'], ['kubernetes-agent', 'skipped']]);
    t.deepEqual(summary.select, ['kubernetes-agent']);
    t.regex(sel.stdout, /0 built, 2 skipped, 0 failed, 0 blocked/);
    const bad = await runGulp(['plan', ...common, '--images', 'controler']);
    t.is(bad.code, 2);
    t.regex(bad.stdout + bad.stderr, /flag --images names image "controler", which the config does not define/);
  });
});

test('touching one Dockerfile rebuilds that image only; a new context file too; plan says why', async (t) => {
  const d = await demo();
  const version = 't-images-touch';
  const selected = ['lb', 'kube-manager'];
  t.teardown(async () => {
    for (const c of ['base', ...selected]) await removeImage(imageRef(c, OS, version));
  });
  // a copy of dockerfiles/, named by images.<name>.dockerfile
  const copy = tempDir('t-images-dockerfiles-');
  fs.cpSync(path.join(__dirname, '..', '..', 'dockerfiles'), copy, { recursive: true });
  const config = { ...d.config, version, workDir: tempDir('t-images-work-'), select: selected, images: { ...d.config.images } };
  for (const c of Object.keys(config.images)) config.images[c] = { ...config.images[c], dockerfile: path.join(copy, c, 'Dockerfile') };

  const first = await buildImages(runWithDemoPrep(config, d));
  t.deepEqual(first.images.map((i) => [i.component, i.status]), [['base', 'built'], ['kube-manager', 'built'], ['lb', 'built']]);

  fs.appendFileSync(path.join(copy, 'lb', 'Dockerfile'), 'LABEL touched=1\n');
  // plan hashes the contexts where they lie: with no room to stage one (a file where the staging
  // folder goes), it still plans, and leaves that file as it was
  const staging = path.join(config.workDir, 'tmp', 'contexts');
  fs.mkdirSync(path.dirname(staging), { recursive: true });
  fs.writeFileSync(staging, 'not a folder');
  const plan = await planImages(runWithDemoPrep(config, d));
  t.is(fs.readFileSync(staging, 'utf8'), 'not a folder');
  fs.rmSync(staging);
  t.deepEqual(plan.entries.map((e) => [e.component, e.action, e.action === 'build' ? e.reason : '']), [
    ['base', 'skip', ''], ['kube-manager', 'skip', ''], ['lb', 'build', 'Dockerfile changed'],
  ]);
  const counting = countingDocker();
  const second = await buildImages(runWithDemoPrep(config, d, counting.docker));
  t.deepEqual(second.images.map((i) => [i.component, i.status]), [['base', 'skipped'], ['kube-manager', 'skipped'], ['lb', 'built']]);
  t.is(counting.builds(), 1);
  t.is((await imageLabels(imageRef('lb', OS, version))).touched, '1');

  fs.writeFileSync(path.join(copy, 'kube-manager', 'notes.txt'), 'a new file in the build context\n');
  const r = runWithDemoPrep(config, d);
  const third = await buildImages(r);
  t.deepEqual(third.images.map((i) => [i.component, i.status]), [['base', 'skipped'], ['kube-manager', 'built'], ['lb', 'skipped']]);
  t.regex(r.log.text(), /kube-manager: building contrail-kube-manager-debian12:t-images-touch \(build context files changed\)/);
});

test('without ansible in contrail-base, starting a container says so and fails', async (t) => {
  const d = await demo();
  // kept between runs like the demo family (the content-hash skip makes a rerun cheap); own version
  const version = 't-images-ansible';
  const images = { ...d.config.images };
  images.base = { ...images.base, packages: images.base.packages.filter((p) => p !== 'ansible-core') };
  const config = { ...d.config, version, workDir: tempDir('t-images-work-'), select: ['analytics'], images };
  const built = await buildImages(runWithDemoPrep(config, d));
  t.deepEqual(built.images.map((i) => i.component), ['base', 'analytics']);
  const start = await run(imageRef('analytics', OS, version), []);
  t.is(start.code, 1, start.out);
  t.regex(start.out, /contrail-entrypoint: FATAL: ansible-playbook is not installed in this image, so it cannot provision role analytics/);
  t.notRegex(start.out, /starting contrail-analytics/, 'no service started');
});

test('changing a package rebuilds the images that install it, and only those', async (t) => {
  const d = await demo();
  const version = 't-images-pkg';
  const port = 18550;
  const selected = ['vcenter-plugin', 'lb'];
  t.teardown(async () => {
    for (const c of ['base', ...selected]) await removeImage(imageRef(c, OS, version));
    try {
      await docker.getContainer(repoContainerName(OS, port)).remove({ force: true });
    } catch {
      /* not there */
    }
    for (const helper of [repoImageRef(OS, version), builderImageRef(OS, version), galaxyImageRef(OS, version)]) await removeImage(helper);
  });
  // the demo sources, with the plain source contrail-vcenter-plugin from a copy we change
  const copy = path.join(tempDir('t-images-src-'), 'contrail-vcenter-plugin');
  const sources = d.config.packages.build.sources.map((s) => {
    if (s.name !== 'contrail-vcenter-plugin') return s;
    fs.cpSync((s as { path: string }).path, copy, { recursive: true });
    return { name: s.name, path: copy };
  });
  // without the demo's ansible-core: a package the repo does not serve makes contrail-base (and so
  // every image) depend on the repo's whole index, and this test is about the packages an image installs
  const images = { ...d.config.images, base: { ...d.config.images.base, packages: d.config.images.base.packages.filter((p) => p !== 'ansible-core') } };
  const config = {
    ...d.config, version, workDir: tempDir('t-images-work-'), select: selected, images,
    packages: { ...d.config.packages, build: { ...d.config.packages.build, sources } },
    repo: { ...d.config.repo, port },
  };
  const first = await buildImages(runWith(config));
  t.deepEqual(first.images.map((i) => [i.component, i.status]), [['base', 'built'], ['lb', 'built'], ['vcenter-plugin', 'built']]);

  const script = path.join(copy, 'bin', 'contrail-vcenter-plugin');
  fs.writeFileSync(script, fs.readFileSync(script, 'utf8').replace('echo "$name @VERSION@"; exit 0', 'echo "$name @VERSION@ (changed)"; exit 0'));
  const counting = countingDocker();
  const r = runWith(config, counting.docker);
  const second = await buildImages(r);
  t.deepEqual(second.images.map((i) => [i.component, i.status]), [['base', 'skipped'], ['lb', 'skipped'], ['vcenter-plugin', 'built']]);
  t.deepEqual(counting.built, [imageRef('vcenter-plugin', OS, version)]);
  t.regex(r.log.text(), /vcenter-plugin: building contrail-vcenter-plugin-debian12:t-images-pkg \(package contrail-vcenter-plugin changed\)/);
  const out = await run(imageRef('vcenter-plugin', OS, version), ['contrail-vcenter-plugin', '--version']);
  t.regex(out.out, /^contrail-vcenter-plugin 4\.0\.0\.0-20 \(changed\)$/m);
});
