import { chipAreaMm2 } from '../../arch/area';
import type { ArchSpec } from '../../arch/types';
import { ValidationError } from '../../errors';

/** Where the core budget came from, for reports. */
export interface CoreBudget {
  cores: number;
  tiles: number;
  areaMm2: number;
  source: 'baseline' | 'tiles' | 'area-mm2';
}

export interface BudgetOptions {
  /** Whole tiles the plan may use (`--tiles`). */
  tiles?: number;
  /** Chip area the plan may use (`--area-mm2`): the most whole tiles whose chip area fits. */
  areaMm2?: number;
}

/**
 * The area budget as a core budget (placement gives each layer whole cores; tiles are whole): by default the
 * cores of the whole tiles the uniform 8-bit r = 1 baseline occupies (iso-area), or `--tiles`, or the most
 * tiles whose chip area (arch/area.ts chipAreaMm2) fits `--area-mm2`. Never more than the chip has, never less than
 * the baseline occupies: every variant (replication only, the exact optimum) starts from the baseline's r = 1
 * plan, which must fit (a smaller budget ended in an internal error).
 */
export function coreBudget(arch: ArchSpec, baselineTiles: number, options: BudgetOptions = {}): CoreBudget {
  let tiles = baselineTiles;
  let source: CoreBudget['source'] = 'baseline';
  // Both budgets given: one would be ignored without a word (--tiles 1 --area-mm2 5 ran on one tile).
  if (options.tiles !== undefined && options.areaMm2 !== undefined) {
    throw new ValidationError('--area-mm2', 'area-mm2', `given with --tiles ${options.tiles}`, 'one area budget: --tiles or --area-mm2, not both');
  }
  if (options.tiles !== undefined) {
    if (!Number.isInteger(options.tiles) || options.tiles < baselineTiles || options.tiles > arch.chip.tiles) {
      throw new ValidationError('--tiles', 'tiles', String(options.tiles), `an integer from ${baselineTiles} (the tiles of the 8-bit r = 1 baseline) to ${arch.chip.tiles} (the chip's tiles)`);
    }
    tiles = options.tiles;
    source = 'tiles';
  } else if (options.areaMm2 !== undefined) {
    const least = chipAreaMm2(arch, baselineTiles);
    if (!(options.areaMm2 >= least)) {
      throw new ValidationError('--area-mm2', 'areaMm2', String(options.areaMm2), `at least ${(Math.ceil(least * 1000) / 1000).toFixed(3)} mm2 (the chip area of the ${baselineTiles} tiles of the 8-bit r = 1 baseline)`);
    }
    tiles = baselineTiles;
    while (tiles < arch.chip.tiles && chipAreaMm2(arch, tiles + 1) <= options.areaMm2) tiles++;
    source = 'area-mm2';
  }
  return { cores: tiles * arch.tile.cores, tiles, areaMm2: chipAreaMm2(arch, tiles), source };
}
