/** A one-line progress bar on stderr, drawn only when stderr is a terminal (logs and pipes stay clean). */

export interface Progress {
  /** One more item finished (failed = its row carries an error). */
  tick(failed: boolean): void;
  done(): void;
}

export const NO_PROGRESS: Progress = { tick: () => undefined, done: () => undefined };

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total <= 0) return NO_PROGRESS;
  const started = Date.now();
  let finished = 0;
  let failures = 0;
  const draw = (): void => {
    const width = 28;
    const filled = Math.round((finished / total) * width);
    const elapsedS = (Date.now() - started) / 1000;
    const etaS = finished > 0 ? (elapsedS / finished) * (total - finished) : 0;
    const eta = finished > 0 && finished < total ? `, eta ${Math.ceil(etaS)} s` : '';
    const errors = failures > 0 ? `, ${failures} failed` : '';
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${finished}/${total}${errors}${eta}   `);
  };
  draw();
  return {
    tick(failed) {
      finished++;
      if (failed) failures++;
      draw();
    },
    done() {
      stream.write('\n');
    },
  };
}
