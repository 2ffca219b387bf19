// Appends user text to an element as text nodes, never as markup, with http and https URLs made
// into links that open in a new tab and tell the target nothing about this page.

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;

export function appendText(parent, text) {
  let at = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let candidate = match[0];
    const trailing = candidate.match(TRAILING_PUNCTUATION);
    if (trailing) {
      candidate = candidate.slice(0, candidate.length - trailing[0].length);
    }
    const href = safeHref(candidate);
    if (href === null) {
      continue;
    }
    if (match.index > at) {
      parent.append(document.createTextNode(text.slice(at, match.index)));
    }
    const link = document.createElement('a');
    link.href = href;
    link.textContent = candidate;
    link.target = '_blank';
    link.rel = 'noopener noreferrer nofollow';
    parent.append(link);
    at = match.index + candidate.length;
  }
  if (at < text.length) {
    parent.append(document.createTextNode(text.slice(at)));
  }
}

/** The URL to link to, or null unless it parses as an http or https URL. */
export function safeHref(candidate) {
  try {
    const url = new URL(candidate);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
