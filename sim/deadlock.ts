/**
 * What a deadlocked run reports: who waits on what (eDRAM space held by which rows, or a missing input row), so
 * the user sees which buffers are too small.
 */
import type { EdramBuffer } from './components';
import type { Channel, Unit } from './units';
import { channelPrefix } from './channels';

/** At most this many waiting units are named. */
const MAX_LINES = 12;

/** One line per unfinished unit that waits for eDRAM space or for an input row. */
export function deadlockReport(units: readonly Unit[], channels: Iterable<Channel>, buffers: readonly EdramBuffer[]): string[] {
  const all = [...channels];
  const lines: string[] = [];
  const names = (tile: number): string => {
    const held = new Map<string, number>();
    for (const ch of all) {
      if (ch.tile !== tile) continue;
      const bits = ch.buffer.heldBy(ch.id);
      if (bits > 0) held.set(ch.producer.name, (held.get(ch.producer.name) ?? 0) + bits);
    }
    return [...held.entries()].map(([name, bits]) => `${name} (${bits} bits)`).join(', ') || 'nothing';
  };
  for (const u of units) {
    if (u.jobsDone >= u.jobsTotal) continue;
    const who = u.layer ? `${u.layer.name}${u.layer.replicas > 1 ? ` replica ${u.replica}` : ''}` : 'the network input';
    if (u.pendingGrants > 0) {
      const buf = buffers[u.waitBufferTile] as EdramBuffer;
      lines.push(
        `${who} waits for eDRAM space on tile ${u.waitBufferTile} (needs ${u.waitBits} bits; ${buf.used} of ${buf.capacity} used) held by rows of ${names(u.waitBufferTile)}`,
      );
    } else if (u.waitChannel) {
      const ch = u.waitChannel;
      lines.push(
        `${who} waits for row ${u.waitRow} of image ${u.waitImage} of ${ch.producer.name} on tile ${ch.tile} (has rows 0..${channelPrefix(ch, u.waitImage) - 1})`,
      );
    }
    if (lines.length >= MAX_LINES) break;
  }
  return lines;
}
