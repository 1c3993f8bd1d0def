/**
 * `--queue redis://[user:password@]host:port[/db]` (or `rediss://` for TLS): checked here, once, so a typo is one
 * clear paragraph (exit 2) rather than a connection that retries forever. The password never appears in messages.
 */
import { ValidationError } from '../../errors';

export interface QueueUrl {
  /** The URL as ioredis takes it. */
  url: string;
  host: string;
  port: number;
  db: number;
  tls: boolean;
  /** For messages: the URL with the password replaced by ***. */
  display: string;
}

const FORMAT = 'redis://[user:password@]host:port[/db] or rediss://... (TLS), e.g. redis://127.0.0.1:6379/0';

export function parseQueueUrl(text: string, option = '--queue'): QueueUrl {
  const field = option.replace(/^--/, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError(option, field, `'${text.replace(/:[^:@/]*@/, ':***@')}', not a URL`, FORMAT);
  }
  const tls = url.protocol === 'rediss:';
  const display = `${url.protocol}//${url.username !== '' ? `${url.username}${url.password !== '' ? ':***' : ''}@` : url.password !== '' ? ':***@' : ''}${url.host}${url.pathname}`;
  if (url.protocol !== 'redis:' && !tls) throw new ValidationError(option, field, `'${display}' (scheme ${url.protocol})`, FORMAT);
  if (url.hostname === '') throw new ValidationError(option, field, `'${display}' without a host`, FORMAT);
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!/^\d*$/.test(dbText) || !Number.isInteger(db) || db < 0 || db > 65535) {
    throw new ValidationError(option, field, `'${display}' with database '${dbText}'`, `a database number after the port (/0, /1, ...); ${FORMAT}`);
  }
  if (url.search !== '' || url.hash !== '') throw new ValidationError(option, field, `'${display}${url.search}${url.hash}'`, `no query or fragment; ${FORMAT}`);
  return { url: text, host: url.hostname, port, db, tls, display };
}
