/**
 * URLs from configs carry secrets: `https://user:token@host/...`, signed queries
 * (`?X-Amz-Signature=...`). The real URL stays in memory where a request needs it; everything we
 * print or write (console, logs, errors, manifests, summary, labels) shows it redacted. Pure.
 */

const HIDDEN = '***';
/** scheme://rest-of-the-url, up to white space or a quote or bracket that ends it in text */
const URL_IN_TEXT = /\b([a-z][a-z0-9+.-]*):\/\/([^\s"'<>`)\]]*)/gi;

/** `https://u:p@host/x?sig=1#f` -> `https://***@host/x?***#f`; text that is not a URL is returned as it is. */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(url);
  if (!m) return url;
  const [, scheme, authority, pathPart, query, fragment] = m;
  const at = authority.lastIndexOf('@');
  const host = at === -1 ? authority : `${HIDDEN}@${authority.slice(at + 1)}`;
  return `${scheme}${host}${pathPart}${query ? `?${HIDDEN}` : ''}${fragment ?? ''}`;
}

/** Whether a value holds a URL that lost something to redaction: it cannot stand in for the real one. */
export const hasRedactedUrl = (value: unknown): boolean => JSON.stringify(value).split(/[\s"]/).some((w) => /^[a-z][a-z0-9+.-]*:\/\//i.test(w) && w.includes(HIDDEN));

/** Every URL inside `text`, redacted. */
export const redactText = (text: string): string =>
  text.replace(URL_IN_TEXT, (whole) => redactUrl(whole));

/** Whether showing `url` would reveal something (userinfo or a query). */
export const holdsSecret = (url: string): boolean => redactUrl(url) !== url;

/** A JSON value with every string redacted (manifests, summaries, labels). */
export function redactJson<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map(redactJson) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactJson(v)])) as T;
  }
  return value;
}

/** An error about to be shown (gulp prints message and stack): its URLs redacted, in place. */
export function redactError(e: unknown): void {
  if (!(e instanceof Error)) return;
  try {
    e.message = redactText(e.message);
    if (e.stack) e.stack = redactText(e.stack);
  } catch {
    // a frozen error object: nothing we can do, and nothing worth failing over
  }
}
