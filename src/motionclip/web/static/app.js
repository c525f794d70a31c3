// Page logic: prompts -> API -> viewer; transport controls; downloads; BVH recognition.
import { Viewer } from './viewer.js';
import { downloadURL, getJSON, postForm, postFormForFile, postJSON } from './api.js';

const $ = (id) => document.getElementById(id);
const MAX_PROMPTS = 6;
const state = { maxFrames: 300, maxChars: 300 };

const viewerEl = $('viewer');
const viewer = new Viewer(viewerEl, {
  onFrame(t, n) {
    $('scrub').max = String(Math.max(n - 1, 0));
    $('scrub').value = String(t);
    $('frame-label').textContent = `${t + 1} / ${n}`;
    viewerEl.dataset.frame = String(t);
  },
  onDrawn() { document.body.dataset.state = 'playing'; },
});
// Test/automation hook: how many frames were drawn since the last motion arrived.
window.motionclip = { viewer, get rendered() { return viewer.rendered; } };

function setStatus(text, error = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

// Notes the API attaches (a prompt far from every training description); shown under the status.
// A composed prompt's line is shown with its motion, in the list under the figures (listMotions).
function showNotes(notes) {
  const ul = $('notes');
  ul.replaceChildren();
  for (const text of [...new Set(notes.filter(Boolean))]) {
    const li = document.createElement('li');
    li.textContent = text;
    ul.append(li);
  }
  ul.classList.toggle('hidden', !ul.childElementCount);
}

// The frames and seed fields as the requests send them (blank or invalid: the defaults).
function framesValue() { return Number($('frames').value) || 60; }
function seedValue() { return Math.max(Number($('seed').value) || 0, 0); }

function prompts() {
  return $('prompt').value.split(/[;\n]+/).map((s) => s.trim()).filter(Boolean);
}

function listMotions(motions, downloadable, frames) {
  const ul = $('motions');
  ul.replaceChildren();
  for (const m of motions) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = m.label || m.text;
    li.append(name);
    if (downloadable) {
      for (const kind of ['bvh', 'mp4']) {
        const a = document.createElement('a');
        a.className = 'button';
        a.href = downloadURL(kind, m.text, frames, m.seed || 0);
        a.download = '';
        a.textContent = kind.toUpperCase();
        a.title = kind === 'mp4' ? 'Rendered on the server (takes a few seconds)' : 'Motion file for Blender etc.';
        li.append(a);
      }
    }
    if (m.composed) { // "composed: lower body + root from ..., upper body from ...", as the CLI prints it
      const line = document.createElement('small');
      line.className = 'composed';
      line.textContent = m.composed;
      li.append(line);
    }
    ul.append(li);
  }
}

async function run(event) {
  event.preventDefault();
  const texts = prompts();
  const frames = framesValue();
  const mode = $('mode').value;
  if (!texts.length) return setStatus('Type a prompt first.', true);
  if (texts.length > MAX_PROMPTS) return setStatus(`At most ${MAX_PROMPTS} prompts at once.`, true);
  const long = texts.find((t) => t.length > state.maxChars);
  if (long) return setStatus(`Prompt longer than ${state.maxChars} characters: "${long.slice(0, 30)}…"`, true);
  if (mode === 'interpolate' && texts.length < 2) return setStatus('Interpolation needs two prompts separated by ";".', true);
  $('go').disabled = true;
  document.body.dataset.state = 'busy';
  setStatus('Generating…');
  showNotes([]);
  const t0 = performance.now();
  try {
    let motions;
    if (mode === 'interpolate') {
      const steps = Number($('steps').value) || 5;
      motions = (await postJSON('./api/interpolate', { a: texts[0], b: texts[1], steps, frames })).motions;
      motions.forEach((m) => {
        m.text = m.alpha === 0 ? texts[0] : m.alpha === 1 ? texts[1] : `${(m.alpha * 100).toFixed(0)}%`;
      });
    } else {
      const samples = Math.min(Math.max(Number($('samples').value) || 1, 1), 4);
      const seed = seedValue();
      const jobs = texts.flatMap((text) => Array.from({ length: samples }, (_, k) => ({ text, seed: seed + k, k })));
      motions = await Promise.all(jobs.map(async ({ text, seed: s, k }) => {
        const m = await postJSON('./api/generate', { text, frames, seed: s });
        m.seed = s;
        m.label = samples > 1 ? `${text} (sample ${k + 1}, seed ${s})` : text;
        return m;
      }));
    }
    viewer.setMotions(motions);
    $('play').textContent = 'Pause';
    viewerEl.dataset.figures = String(motions.length);
    listMotions(motions, mode !== 'interpolate', frames);
    showNotes(motions.map((m) => m.note));
    const ms = Math.round(performance.now() - t0);
    setStatus(`${motions.length} motion${motions.length > 1 ? 's' : ''}, ${frames} frames at ${motions[0].fps} fps (${ms} ms). Drag to orbit, scroll to zoom.`);
    document.body.dataset.state = 'drawing'; // becomes 'playing' once the figures were drawn
  } catch (err) {
    setStatus(err.message, true);
    document.body.dataset.state = 'error';
  } finally {
    $('go').disabled = false;
  }
}

async function classify(event) {
  event.preventDefault();
  const out = $('classify-result');
  out.replaceChildren();
  try {
    const res = await postForm('./api/classify', new FormData($('classify-form')));
    for (const c of res.top) {
      const li = document.createElement('li');
      li.textContent = `${c.label} — ${(100 * c.probability).toFixed(1)}% (cos ${c.cosine.toFixed(3)})`;
      out.append(li);
    }
    if (res.note) {
      const li = document.createElement('li');
      li.className = 'note';
      li.textContent = res.note;
      out.append(li);
    }
  } catch (err) {
    const li = document.createElement('li');
    li.className = 'error';
    li.textContent = err.message;
    out.append(li);
  }
}

// The first prompt, written onto the uploaded skeleton, saved as a file (the browser's download).
async function downloadOnRig(event) {
  event.preventDefault();
  const out = $('rig-result');
  out.classList.remove('error');
  const text = prompts()[0];
  if (!text) {
    out.textContent = 'Type a prompt first.';
    out.classList.add('error');
    return;
  }
  const form = new FormData($('rig-form'));
  form.append('text', text);
  form.append('frames', String(framesValue()));
  form.append('seed', String(seedValue()));
  out.textContent = 'Generating…';
  try {
    const { blob, filename } = await postFormForFile('./api/download/bvh-on-rig', form);
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = filename;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    out.textContent = `Saved ${filename}.`;
  } catch (err) {
    out.textContent = err.message;
    out.classList.add('error');
  }
}

function togglePlay() {
  viewer.playing = !viewer.playing;
  $('play').textContent = viewer.playing ? 'Pause' : 'Play';
}

function syncMode() {
  $('steps').closest('label').classList.toggle('hidden', $('mode').value !== 'interpolate');
  for (const el of document.querySelectorAll('label.samples')) el.classList.toggle('hidden', $('mode').value === 'interpolate');
}

$('prompt-form').addEventListener('submit', run);
$('classify-form').addEventListener('submit', classify);
$('rig-form').addEventListener('submit', downloadOnRig);
$('play').addEventListener('click', togglePlay);
$('mode').addEventListener('change', syncMode);
$('follow').addEventListener('change', (e) => { viewer.follow = e.target.checked; });
$('scrub').addEventListener('input', (e) => {
  if (viewer.playing) togglePlay();
  viewer.seek(Number(e.target.value));
});
syncMode();

getJSON('./api/health').then((h) => {
  state.maxFrames = h.max_frames;
  state.maxChars = h.max_text_chars;
  $('frames').max = String(h.max_frames);
  $('frames').value = String(h.default_frames);
  $('steps').max = String(h.max_steps);
  $('rig-box').classList.toggle('hidden', !h.rig_export); // only a canonical-body model writes onto other rigs
  $('model-info').textContent = `${h.backend}, ${h.joints} joints, ${h.fps} fps`;
  if (document.body.dataset.state === 'loading') document.body.dataset.state = 'ready';
}).catch((err) => setStatus(`Server not reachable: ${err.message}`, true));
$('prompt').focus();
