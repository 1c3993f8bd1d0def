/** The traffic buffers one model context reuses between evaluations (see TrafficScratch). */
import type { ArchSpec } from '../../arch/types';
import { routerOfTile, routerXY } from '../../arch/placement';
import type { TrafficScratch } from './types';

export function newTrafficScratch(arch: ArchSpec, meshWidth: number, layers: number): TrafficScratch {
  const tiles = arch.chip.tiles;
  const routers = Math.ceil(tiles / arch.noc.concentration);
  const tileX = new Int32Array(tiles);
  const tileY = new Int32Array(tiles);
  for (let t = 0; t < tiles; t++) {
    const [x, y] = routerXY(meshWidth, routerOfTile(arch, t));
    tileX[t] = x;
    tileY[t] = y;
  }
  return {
    injectFlits: new Float64Array(tiles),
    ejectFlits: new Float64Array(tiles),
    edramBits: new Float64Array(tiles),
    edramSqAccesses: new Float64Array(tiles),
    linkFlits: new Float64Array(routers * 4),
    layerLinkFlits: new Float64Array(layers),
    layerMaxHops: new Int32Array(layers),
    pieceTile: [],
    pieceFlits: [],
    pieceAccesses: [],
    pieceSqAccesses: [],
    pieceUnitAccesses: [],
    pieces: 0,
    flowTo: [],
    flowSlot: [],
    flowLinks: [],
    flowLinkStart: [],
    flowHops: [],
    flowFrom: [],
    flowRowFlits: [],
    deliveryDest: [],
    deliveryFlow: [],
    deliveryWriteAccesses: [],
    deliveryRowAccesses: [],
    slotDeliveryStart: [],
    slotDests: [],
    slotDestStart: [],
    dests: new Int32Array(tiles),
    destCount: 0,
    destSeen: new Int32Array(tiles),
    destStamp: 0,
    tileX,
    tileY,
  };
}
