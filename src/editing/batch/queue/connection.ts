/**
 * The Redis connection of the batch queue: `redis://HOST:PORT[/DB]` (or `rediss://` for TLS),
 * checked before anything connects, turned into BullMQ connection options.
 */
import type { ConnectionOptions } from 'bullmq';
import { RepriseError } from '../../../errors.js';

/** Queue name used when `--name` is not given. */
export const DEFAULT_QUEUE_NAME = 'reprise';

/** A checked queue address. */
export interface QueueAddress {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly db: number;
}

/**
 * Parses a queue URL.
 *
 * @throws RepriseError (`CONFIG_INVALID`) for anything but `redis[s]://[user:pass@]host[:port][/db]`.
 */
export function parseQueueUrl(text: string): QueueAddress {
  const bad = (why: string): RepriseError =>
    new RepriseError('CONFIG_INVALID', `--queue ${JSON.stringify(text)} is not a Redis URL: ${why}`, { hint: 'Use redis://HOST:PORT[/DB], e.g. redis://127.0.0.1:6379/0.' });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('it does not parse as a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw bad(`the scheme must be redis: or rediss:, not ${url.protocol}`);
  if (url.hostname === '') throw bad('no host');
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) throw bad(`the database must be a number 0–15, not "${dbText}"`);
  const db = dbText === '' ? 0 : Number(dbText);
  if (db > 15) throw bad(`the database must be a number 0–15, not ${db}`);
  if (url.search !== '' || url.hash !== '') throw bad('no query or fragment allowed');
  return { url: text, host: url.hostname, port, db };
}

/** Checks a queue name (it becomes part of Redis keys). */
export function checkQueueName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    throw new RepriseError('CONFIG_INVALID', `queue name ${JSON.stringify(name)} must be 1–64 letters, digits, "_", "." or "-" (no ":")`, { hint: 'Pass --name with a simple name, e.g. --name photos-2026.' });
  }
  return name;
}

/**
 * BullMQ connection options for `address`: requests wait for a reconnect rather than fail (a
 * Redis restart pauses the workers instead of failing their items).
 */
export function queueConnection(address: QueueAddress): ConnectionOptions {
  return { url: address.url, maxRetriesPerRequest: null, enableOfflineQueue: true, retryStrategy: (times: number) => Math.min(100 * times, 2000) };
}
