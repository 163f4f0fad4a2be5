import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type { Digester } from './verified-stream.js';

/** Chunks are copied into batches of this size before they cross to the thread: one message per MiB, not per read. */
const BATCH_BYTES = 1024 * 1024;
/** How far the thread may fall behind one file before its writer is told to wait. */
const MAX_IN_FLIGHT_BYTES = 4 * BATCH_BYTES;
/** Spare batch buffers kept for reuse: enough for several downloads at full pace. */
const MAX_SPARE_BATCHES = 32;

type ToThread =
  | { type: 'open'; id: number; path: string; algorithm: string }
  | { type: 'write'; id: number; data: ArrayBuffer; length: number }
  | { type: 'finish'; id: number }
  | { type: 'abort'; id: number; path: string };

type FromThread =
  | { type: 'opened'; id: number }
  /** `data` is the batch's buffer, handed back to be filled again. */
  | { type: 'written'; id: number; bytes: number; data: ArrayBuffer }
  | { type: 'finished'; id: number; hex: string }
  | { type: 'aborted'; id: number }
  | { type: 'failed'; id: number; message: string };

/**
 * The thread's whole program. It is shipped as source (`eval`), so that the same code runs from dist/ and under the
 * test runner, which has no compiled file to point a Worker at; it must therefore use nothing from outside its body.
 * Messages for one file arrive in order, so an abort always finds the file its open created.
 */
function cacheWriterMain(): void {
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const fs = require('node:fs') as typeof import('node:fs');
  const files = new Map<number, { fd: number; hash: import('node:crypto').Hash; written: number }>();
  const port = parentPort as import('node:worker_threads').MessagePort;
  const close = (id: number) => {
    const file = files.get(id);
    files.delete(id);
    if (file !== undefined) fs.closeSync(file.fd);
  };
  port.on('message', (message: ToThread) => {
    const { id } = message;
    try {
      if (message.type === 'open') {
        files.set(id, { fd: fs.openSync(message.path, 'w'), hash: createHash(message.algorithm), written: 0 });
        port.postMessage({ type: 'opened', id });
      } else if (message.type === 'write') {
        const file = files.get(id);
        if (file === undefined) {
          port.postMessage({ type: 'written', id, bytes: 0, data: message.data }, [message.data]);
          return;
        }
        const bytes = new Uint8Array(message.data, 0, message.length);
        file.hash.update(bytes);
        for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(file.fd, bytes, offset);
        file.written += bytes.length;
        port.postMessage({ type: 'written', id, bytes: file.written, data: message.data }, [message.data]);
      } else if (message.type === 'finish') {
        const file = files.get(id);
        if (file === undefined) return;
        close(id);
        port.postMessage({ type: 'finished', id, hex: file.hash.digest('hex') });
      } else {
        close(id);
        fs.rmSync(message.path, { force: true });
        port.postMessage({ type: 'aborted', id });
      }
    } catch (error) {
      try {
        close(id);
      } catch {
        // The file is already in trouble; the failure below is what the download reports.
      }
      port.postMessage({ type: 'failed', id, message: (error as Error).message });
    }
  });
}

/**
 * One thread, shared by every download of a BlobProxy, that hashes blobs and writes them to their temporary cache
 * files. The event loop only copies each chunk into a batch and hands batches over; hashing and file writes, the
 * larger part of a cold pull's CPU, run beside it (decision 0044). Started on first use; unref'd, so it never keeps
 * the process alive, and stopped with the server.
 */
export class CacheWriterThread {
  private worker: Worker | undefined;
  private readonly files = new Map<number, CacheFileSink>();
  /**
   * Batch buffers the thread has handed back, filled again rather than allocated: a fresh MiB per batch costs page
   * faults here and unmapping there, as much CPU again as the copy itself.
   */
  private readonly spare: Buffer[] = [];
  private nextId = 1;

  /** Creates (truncates) `path`; the sink hashes with `algorithm` everything written to it. */
  open(path: string, algorithm: string): CacheFileSink {
    const id = this.nextId++;
    const sink = new CacheFileSink(
      path,
      (message, transfer) => this.send(message, transfer),
      () => this.spare.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES),
    );
    this.files.set(id, sink);
    sink.id = id;
    this.send({ type: 'open', id, path, algorithm });
    return sink;
  }

  private send(message: ToThread, transfer?: ArrayBuffer[]): void {
    this.thread().postMessage(message, transfer);
  }

  private thread(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(`(${cacheWriterMain.toString()})()`, { eval: true });
    worker.on('message', (message: FromThread) => {
      if (message.type === 'written' && this.spare.length < MAX_SPARE_BATCHES) {
        this.spare.push(Buffer.from(message.data));
      }
      const sink = this.files.get(message.id);
      if (sink === undefined) return;
      if (message.type === 'finished' || message.type === 'aborted' || message.type === 'failed') {
        this.files.delete(message.id);
      }
      sink.receive(message);
    });
    // The thread died (it should not): every file it held fails, and the next open starts a new thread.
    const lost = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const sinks = [...this.files.values()];
      this.files.clear();
      for (const sink of sinks) sink.receive({ type: 'failed', id: sink.id, message: error.message });
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the cache writer thread exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Stops the thread; files still being written fail (and are left for their downloads to remove). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    await worker.terminate();
  }
}

/**
 * One temporary cache file being written by the thread. As a Digester it takes the blob's chunks in order and says,
 * once all are on disk and the file is closed, what they hash to. Emits 'written' with the bytes on disk so far.
 */
export class CacheFileSink extends EventEmitter implements Digester {
  id = 0;
  /** Resolves once the file exists; rejects if it could not be created. */
  readonly opened: Promise<void>;
  private settleOpened: { resolve: () => void; reject: (error: Error) => void } = {
    resolve: () => undefined,
    reject: () => undefined,
  };
  private batch: Buffer | undefined;
  private batchLength = 0;
  private sent = 0;
  private written = 0;
  private waiting: ((error?: Error) => void) | undefined;
  private finishing: { resolve: (hex: string) => void; reject: (error: Error) => void } | undefined;
  private aborting: (() => void) | undefined;
  private failure: Error | undefined;
  private state: 'open' | 'finishing' | 'finished' | 'aborted' = 'open';

  constructor(
    readonly path: string,
    private readonly send: (message: ToThread, transfer?: ArrayBuffer[]) => void,
    private readonly newBatch: () => Buffer,
  ) {
    super();
    this.opened = new Promise<void>((resolve, reject) => {
      this.settleOpened = { resolve, reject };
    });
    this.opened.catch(() => undefined);
  }

  update(chunk: Buffer, ready: (error?: Error) => void): void {
    if (this.failure !== undefined) {
      ready(this.failure);
      return;
    }
    for (let offset = 0; offset < chunk.length; ) {
      // A buffer of its own, so it can be moved (not copied again) to the thread.
      this.batch ??= this.newBatch();
      const copied = chunk.copy(this.batch, this.batchLength, offset);
      this.batchLength += copied;
      offset += copied;
      if (this.batchLength === BATCH_BYTES) this.flush();
    }
    if (this.sent - this.written < MAX_IN_FLIGHT_BYTES) ready();
    else this.waiting = ready;
  }

  digest(): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.flush();
    this.state = 'finishing';
    return new Promise<string>((resolve, reject) => {
      this.finishing = { resolve, reject };
      this.send({ type: 'finish', id: this.id });
    });
  }

  /** Stops writing and removes the file; resolves once it is gone. */
  abort(): Promise<void> {
    const before = this.state;
    this.state = 'aborted';
    this.batch = undefined;
    if (before === 'aborted') return Promise.resolve();
    // The thread is done with a finished or failed file (it closed it): remove it from here.
    if (before === 'finished' || this.failure !== undefined) return rm(this.path, { force: true });
    return new Promise<void>((resolve) => {
      this.aborting = resolve;
      this.send({ type: 'abort', id: this.id, path: this.path });
    });
  }

  /** A message from the thread about this file. */
  receive(message: FromThread): void {
    if (message.type === 'opened') {
      this.settleOpened.resolve();
    } else if (message.type === 'written') {
      this.written = message.bytes;
      this.emit('written', this.written);
      if (this.waiting !== undefined && this.sent - this.written < MAX_IN_FLIGHT_BYTES) {
        const ready = this.waiting;
        this.waiting = undefined;
        ready();
      }
    } else if (message.type === 'finished') {
      this.state = 'finished';
      this.finishing?.resolve(message.hex);
    } else if (message.type === 'aborted') {
      this.aborting?.();
    } else {
      const error = new Error(`cannot write the cache file ${this.path}: ${message.message}`);
      this.failure = error;
      this.settleOpened.reject(error);
      this.waiting?.(error);
      this.waiting = undefined;
      this.finishing?.reject(error);
      // A failed file may still exist (closed by the thread); abort removes it.
      if (this.aborting !== undefined) void rm(this.path, { force: true }).then(this.aborting);
    }
  }

  private flush(): void {
    if (this.batch === undefined || this.batchLength === 0 || this.state !== 'open') return;
    const data = this.batch.buffer as ArrayBuffer;
    this.send({ type: 'write', id: this.id, data, length: this.batchLength }, [data]);
    this.sent += this.batchLength;
    this.batch = undefined;
    this.batchLength = 0;
  }
}
