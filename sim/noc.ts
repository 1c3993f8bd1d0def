/**
 * The NoC (docs/hardware-model.md rule 6): tile injection and ejection links plus router-to-router mesh
 * links, XY routing (X first, then Y) on the concentrated mesh of arch/placement.ts, packets cut into flits.
 */
import type { ArchSpec } from '../arch/types';
import { meshSize, routerOfTile, routerXY } from '../arch/placement';
import type { Environment } from './kernel/env';
import { NocLink } from './components';

/** Flits of a transfer of `bits`: payload flits plus header flits per packet (same rule as the model). */
export function flitsOfBits(arch: ArchSpec, bits: number): number {
  if (bits <= 0) return 0;
  const packets = Math.ceil(bits / arch.noc.packetPayloadBits);
  return Math.ceil(bits / arch.noc.flitBits) + packets * arch.noc.headerFlits;
}

const DIRS = ['+x', '-x', '+y', '-y'] as const;

export interface Route {
  /** Link ids in order. */
  links: number[];
  /** The links themselves, in order (NOTE: written for speed: one lookup per hop, not two). */
  path: NocLink[];
  /** Routers crossed (mesh hops + 1). */
  routers: number;
}

export class Noc {
  readonly links: Array<NocLink | undefined> = [];
  private readonly routes = new Map<number, Route>();
  private readonly tiles: number;
  readonly meshWidth: number;

  constructor(
    private readonly env: Environment,
    private readonly arch: ArchSpec,
  ) {
    this.tiles = arch.chip.tiles;
    this.meshWidth = meshSize(arch).width;
  }

  private link(id: number): number {
    if (this.links[id] === undefined) {
      let label: string;
      if (id < this.tiles) label = `injection link of tile ${id}`;
      else if (id < 2 * this.tiles) label = `ejection link of tile ${id - this.tiles}`;
      else {
        const k = id - 2 * this.tiles;
        const [x, y] = routerXY(this.meshWidth, k >> 2);
        label = `mesh link (${x},${y})${DIRS[k & 3] ?? ''}`;
      }
      this.links[id] = new NocLink(this.env, label, this.arch.noc.linkFlitsPerCycle);
    }
    return id;
  }

  /** XY route from a tile (or from router 0 when `fromTile` is -1: the off-chip input) to a tile. */
  route(fromTile: number, toTile: number): Route {
    const key = (fromTile + 1) * (this.tiles + 1) + toTile;
    const cached = this.routes.get(key);
    if (cached) return cached;
    const links: number[] = [];
    if (fromTile >= 0) links.push(this.link(fromTile));
    const from = fromTile >= 0 ? routerOfTile(this.arch, fromTile) : 0;
    const to = routerOfTile(this.arch, toTile);
    let [x, y] = routerXY(this.meshWidth, from);
    const [tx, ty] = routerXY(this.meshWidth, to);
    const mesh = (dir: number): void => {
      links.push(this.link(2 * this.tiles + (y * this.meshWidth + x) * 4 + dir));
    };
    let hops = 0;
    while (x !== tx) {
      mesh(tx > x ? 0 : 1);
      x += tx > x ? 1 : -1;
      hops++;
    }
    while (y !== ty) {
      mesh(ty > y ? 2 : 3);
      y += ty > y ? 1 : -1;
      hops++;
    }
    links.push(this.link(this.tiles + toTile));
    const route = { links, path: links.map((id) => this.links[id] as NocLink), routers: hops + 1 };
    this.routes.set(key, route);
    return route;
  }
}
