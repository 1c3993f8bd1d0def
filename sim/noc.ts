/**
 * The NoC (docs/hardware-model.md rule 6): tile injection and ejection links plus router-to-router mesh
 * links, XY routing (X first, then Y) on the concentrated mesh of arch/routing.ts, packets cut into flits
 * (both rules in arch/routing.ts, shared with the analytical model).
 */
import type { ArchSpec } from '../arch/types';
import { meshSize, routerOfTile, routerXY } from '../arch/placement';
import { MESH_DIRECTIONS, xyRouteLinks } from '../arch/routing';
import type { Environment } from './kernel/env';
import type { ServerClock } from './kernel/resource';
import { NocLink } from './components';

export interface Route {
  /** Link ids in order. */
  links: number[];
  /** The links' clocks, in order (NOTE: written for speed: a hop serves its link's clock with one lookup, not three). */
  clocks: ServerClock[];
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
        label = `mesh link (${x},${y})${MESH_DIRECTIONS[k & 3] ?? ''}`;
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
    const [x, y] = routerXY(this.meshWidth, from);
    const [tx, ty] = routerXY(this.meshWidth, to);
    const mesh: number[] = [];
    const hops = xyRouteLinks(this.meshWidth, x, y, tx, ty, mesh, 0);
    // Mesh link ids follow the 2 x tiles injection and ejection links.
    for (let k = 0; k < hops; k++) links.push(this.link(2 * this.tiles + (mesh[k] as number)));
    links.push(this.link(this.tiles + toTile));
    const route = { links, clocks: links.map((id) => (this.links[id] as NocLink).clock), routers: hops + 1 };
    this.routes.set(key, route);
    return route;
  }
}
