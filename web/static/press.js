// Press office: live per-network character counts and previews on the
// compose form, and drag to reschedule on the calendar. Every action also
// works without JavaScript (forms); this only adds speed.

const csrfSafeFetch = (url, body) => fetch(url, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
  credentials: 'same-origin',
  body: JSON.stringify(body),
});

function composeCounts(form) {
  const targets = () => [...form.querySelectorAll('input[name="targets"]:checked')];
  const timers = new Map();
  const update = async (area) => {
    const list = document.getElementById('count_' + area.dataset.lang);
    const preview = area.closest('.variant').querySelector('.preview');
    preview.textContent = area.value;
    list.replaceChildren();
    for (const t of targets()) {
      if (!t.dataset.langs.split(',').includes(area.dataset.lang) || area.value === '') continue;
      const parts = area.value.split(/\r?\n---\r?\n/);
      for (const [i, part] of parts.entries()) {
        let text;
        try {
          const res = await csrfSafeFetch('/api/v1/publishing/count', { channel_id: Number(t.dataset.channel), text: part });
          if (!res.ok) { text = (await res.json()).error.message; } else {
            const c = await res.json();
            text = c.max > 0 ? `${c.count} / ${c.max}` : `${c.count}`;
            if (c.max > 0 && c.count > c.max) text = '⚠ ' + text;
          }
        } catch { continue; }
        const li = document.createElement('li');
        li.textContent = `${t.dataset.name}${parts.length > 1 ? ' #' + (i + 1) : ''}: ${text}`;
        list.append(li);
      }
    }
  };
  const schedule = (area) => {
    clearTimeout(timers.get(area));
    timers.set(area, setTimeout(() => update(area), 250));
  };
  const areas = [...form.querySelectorAll('textarea[data-lang]')];
  areas.forEach((a) => { a.addEventListener('input', () => schedule(a)); update(a); });
  form.querySelectorAll('input[name="targets"]').forEach((t) => t.addEventListener('change', () => areas.forEach(schedule)));
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
