/**
 * The demo product's sources as `npm run demo` makes them: its git repositories (contrail-ansible
 * and the miniature contrail-vnc) and its third-party site on 127.0.0.1:21550, which the sandbox's
 * fetch step downloads from. Every test that builds the demo's packages calls this first.
 */
import { makeDemo } from '../../scripts/demo-git';
import { ensureDemoUpstream } from '../../scripts/demo-upstream';
import { withTestLock } from './lock';

export async function demoSources(): Promise<void> {
  await withTestLock('demo-git', async () => {
    makeDemo();
    await ensureDemoUpstream();
  });
}
