/**
 * One optimize figure in a process of its own (scripts/bench/optimizer.ts optimizeResnet50SAlone): `node
 * optimize-alone.js [haq]` prints optimizeResnet50S's {wallS, cpuS} as JSON.
 */
import { optimizeResnet50S } from './optimizer';
import { HAQ_SETTINGS } from '../../optimizer/search/settings';

optimizeResnet50S(600, process.argv[2] === 'haq' ? HAQ_SETTINGS : undefined).then(
  (figures) => {
    process.stdout.write(JSON.stringify(figures));
    process.exit(0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
