/**
 * GitHub's own workflow parser (@actions/workflow-parser). Its ES modules import JSON without
 * import attributes, which Node 20 refuses, so it is bundled with esbuild (a dependency) into one
 * CommonJS module at test time and loaded from memory.
 */
import * as path from 'node:path';
import Module from 'node:module';
import { buildSync } from 'esbuild';
import { ROOT } from './gulp';

interface ParseResult {
  context: { errors: { getErrors(): { message: string }[] } };
  value: unknown;
}
interface WorkflowParser {
  parseWorkflow(entry: { name: string; content: string }, trace: { info(m: string): void; verbose(m: string): void; error(m: string): void }): ParseResult;
  convertWorkflowTemplate(context: ParseResult['context'], value: unknown): Promise<{ jobs: { id: { value: string }; needs?: { value: string }[] }[]; errors?: { Message: string }[] }>;
}

let loaded: WorkflowParser | undefined;

function load(): WorkflowParser {
  if (!loaded) {
    const entry = path.join(ROOT, 'node_modules', '@actions', 'workflow-parser', 'dist', 'index.js');
    const out = buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
    const m = new Module(entry) as Module & { _compile(code: string, file: string): void };
    m.filename = entry;
    m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(entry));
    m._compile(out.outputFiles[0].text, `${entry}.bundle.cjs`);
    loaded = m.exports as WorkflowParser;
  }
  return loaded;
}

const quiet = { info: () => undefined, verbose: () => undefined, error: () => undefined };

/** The parser's errors for a workflow (none: it is valid), and its jobs with their needs. */
export async function parseGithubWorkflow(content: string): Promise<{ errors: string[]; jobs: Map<string, string[]> }> {
  const parser = load();
  const result = parser.parseWorkflow({ name: 'contrail-images.yml', content }, quiet);
  const errors = result.context.errors.getErrors().map((e) => e.message);
  const jobs = new Map<string, string[]>();
  if (result.value !== undefined) {
    const template = await parser.convertWorkflowTemplate(result.context, result.value);
    for (const e of template.errors ?? []) errors.push(e.Message);
    for (const j of template.jobs ?? []) jobs.set(j.id.value, (j.needs ?? []).map((n) => n.value));
  }
  return { errors, jobs };
}
