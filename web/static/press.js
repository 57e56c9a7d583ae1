// Press office: live per-network character counts and previews on the
// compose form, and drag to reschedule on the calendar. Every action also
// works without JavaScript (forms); this only adds speed.

const csrfSafeFetch = (url, body) => fetch(url, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  credentials: 'same-origin',
  body: JSON.stringify(body),
});

// countLine asks the server how the channel's network counts text (X
// weighs characters) and returns "count / max", flagged when over.
async function countLine(channel, text) {
  const res = await csrfSafeFetch('/api/v1/publishing/count', { channel_id: Number(channel), text });
  if (!res.ok) return (await res.json()).error.message;
  const c = await res.json();
  const line = c.max > 0 ? `${c.count} / ${c.max}` : `${c.count}`;
  return c.max > 0 && c.count > c.max ? '⚠ ' + line : line;
}

// composeCounts keeps, for every text of the compose form (each language's
// body and each channel's own version of it), the live count per target
// network, and each language's preview: the text, the images with their
// description in that language, and the channel versions.
function composeCounts(form) {
  const targets = () => [...form.querySelectorAll('input[name="targets"]:checked')];
  const timers = new Map();
  const file = document.getElementById('media_file');
  let newSrc = '';
  const channelsFor = (area) => {
    if (area.dataset.override) return [{ id: area.dataset.override, name: area.dataset.name }];
    return targets().filter((t) => t.dataset.langs.split(',').includes(area.dataset.lang))
      .map((t) => ({ id: t.dataset.channel, name: t.dataset.name }));
  };
  const counts = async (area) => {
    const list = document.getElementById(area.getAttribute('aria-describedby'));
    const items = [];
    if (area.value !== '') {
      const parts = area.value.split(/\r?\n---\r?\n/);
      for (const ch of channelsFor(area)) {
        for (const [i, part] of parts.entries()) {
          let text;
          try { text = await countLine(ch.id, part); } catch { continue; }
          const li = document.createElement('li');
          li.textContent = `${ch.name}${parts.length > 1 ? ' #' + (i + 1) : ''}: ${text}`;
          items.push(li);
        }
      }
    }
    list.replaceChildren(...items);
  };
  const images = () => {
    const out = [...form.querySelectorAll('[data-media]')]
      .filter((d) => !d.querySelector('input[name="media_remove"]').checked)
      .map((d) => ({ slot: d.dataset.media, src: d.dataset.src }));
    if (newSrc) out.push({ slot: 'new', src: newSrc });
    return out;
  };
  const preview = (variant) => {
    const box = variant.querySelector('.preview');
    const body = variant.querySelector('textarea[name^="body_"]').value;
    const nodes = [];
    if (body !== '') {
      const p = document.createElement('p');
      p.className = 'preview-text';
      p.textContent = body;
      nodes.push(p);
      for (const m of images()) {
        const img = document.createElement('img');
        img.className = 'thumb';
        img.src = m.src;
        img.alt = variant.querySelector(`[data-alt="${m.slot}"]`)?.value ?? '';
        img.dataset.slot = m.slot;
        nodes.push(img);
      }
      for (const o of variant.querySelectorAll('textarea[data-override]')) {
        if (o.value === '') continue;
        const div = document.createElement('div');
        div.className = 'preview-override';
        div.dataset.channel = o.dataset.override;
        const name = document.createElement('strong');
        name.textContent = o.dataset.name + ': ';
        div.append(name, o.value);
        nodes.push(div);
      }
    }
    box.replaceChildren(...nodes);
  };
  const schedule = (area) => {
    clearTimeout(timers.get(area));
    timers.set(area, setTimeout(() => counts(area), 250));
  };
  const variants = [...form.querySelectorAll('.variant')];
  const areas = [...form.querySelectorAll('textarea[data-lang]')];
  areas.forEach((a) => { a.addEventListener('input', () => schedule(a)); counts(a); });
  variants.forEach((v) => { v.addEventListener('input', () => preview(v)); preview(v); });
  form.querySelectorAll('input[name="targets"]').forEach((t) => t.addEventListener('change', () => areas.forEach(schedule)));
  form.querySelectorAll('input[name="media_remove"]').forEach((c) => c.addEventListener('change', () => variants.forEach(preview)));
  // The description fields of the image being added show only once a
  // file is chosen.
  const newAlts = [...form.querySelectorAll('.alt-new')];
  const showNew = () => newAlts.forEach((f) => { f.hidden = !file.files.length && !f.querySelector('input').value; });
  file?.addEventListener('change', () => {
    if (newSrc) URL.revokeObjectURL(newSrc);
    newSrc = file.files.length ? URL.createObjectURL(file.files[0]) : '';
    showNew();
    variants.forEach(preview);
  });
  if (file) showNew();
}

function calendarDrag(cal) {
  const status = document.getElementById('drag-status');
  let dragged = null;
  cal.addEventListener('dragstart', (e) => {
    const item = e.target.closest('[data-pub]');
    if (!item) return;
    dragged = item;
    e.dataTransfer.effectAllowed = 'move';
  });
  cal.addEventListener('dragover', (e) => { if (dragged && e.target.closest('.day')) e.preventDefault(); });
  cal.addEventListener('drop', async (e) => {
    const day = e.target.closest('.day');
    if (!dragged || !day) return;
    e.preventDefault();
    // Keep the time of day, change the date; the form field holds the
    // officer's local time and the server knows the officer's zone.
    const time = dragged.dataset.time.slice(11) || '09:00';
    const input = dragged.querySelector('input[name="due_at"]');
    input.value = `${day.dataset.date}T${time}`;
    status.textContent = input.value;
    input.form.requestSubmit();
  });
}

const form = document.getElementById('compose');
if (form) composeCounts(form);
const cal = document.querySelector('.calendar');
if (cal) calendarDrag(cal);
