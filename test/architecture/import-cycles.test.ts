import { fileURLToPath } from 'node:url';
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The top-level folders of the application: `src/<folder>`, plus `commands/` and `cards/` beside src. */
function folderOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] === 'src') return parts.length > 2 ? `src/${parts[1]}` : undefined;
  if (parts[0] === 'commands' || parts[0] === 'cards') return parts[0];
  return undefined;
}

/** Strongly connected components of more than one folder (Tarjan). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    order.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!order.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, order.get(next)!));
    }
    if (low.get(node) === order.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!order.has(node)) visit(node);
  return found;
}

describe('the dependency direction between folders', () => {
  it('has no import cycle between top-level folders, type-only imports included', async () => {
    const graph = (
      await madge(['src', 'commands', 'cards'], {
        baseDir: root,
        fileExtensions: ['ts'],
        tsConfig: `${root}/tsconfig.json`,
      })
    ).obj();
    const edges = new Map<string, Set<string>>();
    const witnesses = new Map<string, string>();
    for (const [file, imports] of Object.entries(graph)) {
      const from = folderOf(file);
      if (!from) continue;
      for (const imported of imports) {
        const to = folderOf(imported);
        if (!to || to === from) continue;
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)!.add(to);
        witnesses.set(`${from} -> ${to}`, `${file} imports ${imported}`);
      }
    }
    expect(edges.size, 'madge found no imports: is the graph being read?').toBeGreaterThan(5);

    const report = cycles(edges).map((component) => {
      const inside = [...witnesses].filter(([edge]) => {
        const [from, to] = edge.split(' -> ');
        return component.includes(from!) && component.includes(to!);
      });
      return `${component.join(' ⇄ ')}\n${inside.map(([edge, why]) => `    ${edge}: ${why}`).join('\n')}`;
    });
    expect(report, `folder-level import cycles:\n${report.join('\n')}`).toEqual([]);
  });
});
