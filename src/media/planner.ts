import type { Converter } from './converter.js';
import { ConversionError } from './converter.js';

/**
 * The cheapest chain of converters from one format to another (Dijkstra over the graph whose
 * nodes are formats and whose edges are converters, weighted by their cost).
 */
export function plan(converters: readonly Converter[], from: string, to: string): Converter[] {
  if (from === to) return [];
  const best = new Map<string, { cost: number; via: Converter | null }>([
    [from, { cost: 0, via: null }],
  ]);
  const done = new Set<string>();
  for (;;) {
    let current: string | null = null;
    let currentCost = Infinity;
    for (const [node, { cost }] of best)
      if (!done.has(node) && cost < currentCost) {
        current = node;
        currentCost = cost;
      }
    if (current === null) break;
    if (current === to) break;
    done.add(current);
    for (const c of converters) {
      if (c.from !== current) continue;
      const cost = currentCost + c.cost;
      const known = best.get(c.to);
      if (!known || cost < known.cost) best.set(c.to, { cost, via: c });
    }
  }
  if (!best.has(to)) throw new ConversionError(`no conversion from ${from} to ${to}`, 'no-route');
  const chain: Converter[] = [];
  for (let node = to; node !== from;) {
    const via = best.get(node)!.via!;
    chain.unshift(via);
    node = via.from;
  }
  return chain;
}

/** Every format reachable from `from`, for the API's format list. */
export function reachable(converters: readonly Converter[], from: string): string[] {
  const seen = new Set([from]);
  const queue = [from];
  while (queue.length) {
    const node = queue.shift()!;
    for (const c of converters)
      if (c.from === node && !seen.has(c.to)) {
        seen.add(c.to);
        queue.push(c.to);
      }
  }
  seen.delete(from);
  return [...seen].sort();
}
