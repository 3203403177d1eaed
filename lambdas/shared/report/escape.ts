/**
 * Characters XML 1.0 does not allow at all (C0 controls other than tab, line
 * feed and carriage return, lone surrogates, U+FFFE and U+FFFF). Log lines
 * can hold any of them; they become U+FFFD so the SVG stays well-formed.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text made safe for HTML and SVG, in element content and in quoted
 * attribute values alike. Everything a report shows that came from the
 * incident (log lines, alarm reasons, model rationales, user agents) goes
 * through this: it is untrusted.
 */
export function escapeText(value: unknown): string {
  return String(value ?? '')
    .replace(NOT_XML, '\uFFFD')
    .replace(/[&<>"']/g, (character) => ENTITIES[character]!);
}
