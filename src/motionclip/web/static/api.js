// Small fetch helpers for the JSON API; errors carry the server's "detail" message.

export function errorText(body, status) {
  const d = body && body.detail;
  if (typeof d === 'string') return d;
  if (Array.isArray(d)) {
    return d.map((e) => `${(e.loc || []).filter((x) => x !== 'body').join('.')}: ${e.msg}`).join('; ');
  }
  return `request failed (HTTP ${status})`;
}

async function parse(res) {
  let body = null;
  try { body = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) throw new Error(errorText(body, res.status));
  return body;
}

export async function postJSON(url, data) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(data) });
  return parse(res);
}

export async function postForm(url, form) {
  return parse(await fetch(url, { method: 'POST', body: form }));
}

// A POST whose answer is a file: its bytes and the name the server gave it.
export async function postFormForFile(url, form) {
  const res = await fetch(url, { method: 'POST', body: form });
  if (!res.ok) await parse(res);
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(res.headers.get('Content-Disposition') || '');
  return { blob: await res.blob(), filename: match ? decodeURIComponent(match[1]) : 'motion.bvh' };
}

export async function getJSON(url) {
  return parse(await fetch(url));
}

export function downloadURL(kind, text, frames, seed = 0) {
  const q = new URLSearchParams({ text, frames: String(frames), seed: String(seed) });
  return `./api/download/${kind}?${q}`;
}
