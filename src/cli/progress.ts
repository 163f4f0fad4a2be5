import { humanBytes } from '../report/index.js';
import type { ReadProgress } from '../rootfs/index.js';

/**
 * Layer progress on stderr, redrawn in place, only when stderr is a terminal: piped or captured output (CI logs, `2>file`)
 * stays clean, as with skopeo and trivy.
 */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ReadProgress | undefined {
  if (!stream.isTTY) return undefined;
  const layers = new Map<number, { read: number; total: number }>();
  let lastDraw = 0;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!force && now - lastDraw < 100) return;
    lastDraw = now;
    let read = 0;
    let total = 0;
    for (const layer of layers.values()) {
      read += layer.read;
      total += layer.total;
    }
    stream.write(`\r\x1b[2Klayers ${layers.size}  ${humanBytes(read)} / ${humanBytes(total)}`);
  };
  return {
    layer(index, bytesRead, total) {
      layers.set(index, { read: bytesRead, total });
      draw(false);
    },
    done() {
      if (layers.size > 0) stream.write('\r\x1b[2K');
    },
  };
}
