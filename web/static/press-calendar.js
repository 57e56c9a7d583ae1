// Press calendar: move a publication by dragging its chip to another cell,
// or with the keyboard: focus a chip, arrows move it (a day sideways, an
// hour up or down in the week, a week in the month), Enter confirms and
// Escape puts it back. Every move is the same reschedule form as without
// JavaScript, so the server's rule applies: moving a cleared publication
// sends its statement back for approval.

const table = document.querySelector('.cal-week, .cal-month');
const status = document.getElementById('drag-status');
const msgs = document.getElementById('cal-msg')?.dataset ?? {};

const pad = (n) => String(n).padStart(2, '0');
const parse = (v) => {
  const [d, t] = v.split('T');
  const [y, m, day] = d.split('-').map(Number);
  const [hh, mm] = (t || '09:00').split(':').map(Number);
  return new Date(Date.UTC(y, m - 1, day, hh, mm));
};
const format = (dt) => `${dt.getUTCFullYear()}-${pad(dt.getUTCMonth() + 1)}-${pad(dt.getUTCDate())}T${pad(dt.getUTCHours())}:${pad(dt.getUTCMinutes())}`;

// submitMove sends the chip's reschedule form with the new local time.
function submitMove(chip, value) {
  const form = document.querySelector(`form[data-move="${chip.dataset.pub}"]`);
  if (!form) return;
  form.querySelector('input[name="due_at"]').value = value;
  status.textContent = value;
  form.requestSubmit();
}

// cellFor is the grid cell a local time falls in, if it is shown.
function cellFor(value) {
  const [date, time] = value.split('T');
  if (table.dataset.view === 'week') {
    return table.querySelector(`td[data-date="${date}"][data-hour="${Number(time.slice(0, 2))}"]`);
  }
  return table.querySelector(`td[data-date="${date}"]`);
}

function calendar() {
  const rtl = getComputedStyle(table).direction === 'rtl';
  const week = table.dataset.view === 'week';
  let moving = null; // { chip, home, next, value }

  const cancel = () => {
    if (!moving) return;
    moving.home.parent.insertBefore(moving.chip, moving.home.next);
    moving.chip.classList.remove('moving');
    moving.chip.focus();
    status.textContent = msgs.cancelled ?? '';
    moving = null;
  };

  table.addEventListener('keydown', (e) => {
    const chip = e.target.closest('.chip');
    if (!chip || e.target !== chip) return;
    if (e.key === 'Escape') { cancel(); return; }
    if (e.key === 'Enter') {
      if (moving && moving.chip === chip) {
        e.preventDefault();
        submitMove(chip, moving.value);
      } else if (!moving) {
        chip.querySelector('.chip-link').click();
      }
      return;
    }
    const steps = { ArrowLeft: rtl ? 1 : -1, ArrowRight: rtl ? -1 : 1 };
    let minutes = 0;
    if (e.key in steps) minutes = steps[e.key] * 24 * 60;
    else if (e.key === 'ArrowUp') minutes = week ? -60 : -7 * 24 * 60;
    else if (e.key === 'ArrowDown') minutes = week ? 60 : 7 * 24 * 60;
    else return;
    if (!chip.dataset.movable) return;
    e.preventDefault();
    if (moving && moving.chip !== chip) cancel();
    if (!moving) {
      moving = { chip, home: { parent: chip.parentNode, next: chip.nextSibling }, value: chip.dataset.due };
      chip.classList.add('moving');
    }
    const dt = parse(moving.value);
    dt.setUTCMinutes(dt.getUTCMinutes() + minutes);
    moving.value = format(dt);
    const cell = cellFor(moving.value);
    if (cell) {
      cell.append(chip);
      chip.focus();
    }
    const when = moving.value.replace('T', ' ');
    status.textContent = (msgs.moving ?? '{when}').replace('{when}', when);
  });
  // Focus going elsewhere puts an unconfirmed move back. (Moving the chip
  // to its new cell blurs it for a moment: that is not leaving.)
  document.addEventListener('focusin', (e) => {
    if (moving && e.target !== moving.chip) cancel();
  });

  // Drag and drop: the time of day is kept in the month, the hour taken
  // from the row in the week (minutes kept).
  let dragged = null;
  table.addEventListener('dragstart', (e) => {
    const chip = e.target.closest('.chip[data-movable]');
    if (!chip) return;
    dragged = chip;
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', chip.dataset.pub);
  });
  table.addEventListener('dragover', (e) => {
    const cell = e.target.closest('td[data-date]');
    if (!dragged || !cell) return;
    e.preventDefault();
    table.querySelectorAll('.drop').forEach((c) => c.classList.remove('drop'));
    cell.classList.add('drop');
  });
  table.addEventListener('drop', (e) => {
    const cell = e.target.closest('td[data-date]');
    if (!dragged || !cell) return;
    e.preventDefault();
    const time = dragged.dataset.due.slice(11) || '09:00';
    const hour = cell.dataset.hour !== undefined ? pad(Number(cell.dataset.hour)) + time.slice(2) : time;
    cell.append(dragged);
    submitMove(dragged, `${cell.dataset.date}T${hour}`);
    dragged = null;
  });
}

if (table) calendar();
