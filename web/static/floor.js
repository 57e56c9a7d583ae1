// Speakers' list and floor control in the conference room (protocol v1,
// floor_* messages, see docs/signalling.md). room.js owns the connection
// and hands this module every floor_state as a "floor-state" event on the
// room element; it sends through window.chanceryRoom.send. Delegates ask
// for the floor (or make a point of order, or ask for a right of reply)
// and see where they are; the chair reorders by drag and drop or with the
// move up and move down buttons (keyboard), grants, pauses, resumes, ends and refuses; everyone sees who has
// the floor and the same countdown, computed from the server's deadline
// and clock. Changes are read out through the room's live region.
const app = document.getElementById('room-app');
if (app) start();

function start() {
  const S = JSON.parse(document.getElementById('room-strings').textContent);
  const $ = (id) => document.getElementById(id);
  const t = (k, name) => (S[k] || k).replaceAll('{name}', name ?? '');
  const room = () => window.chanceryRoom;
  const send = (m) => room()?.send(m);
  const lang = app.dataset.lang || document.documentElement.lang;
  let floor = null, offset = 0, timer = 0, lastCurrent = null;

  // The languages a speaker may say they use, named in the page's language.
  const names = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames([lang], { type: 'language' }) : null;
  $('floor-language').replaceChildren(...['', 'vi', 'en', 'fr', 'es', 'ru', 'zh', 'ar'].map((code) => {
    const o = document.createElement('option');
    o.value = code; o.textContent = code ? (names?.of(code) || code) : '—';
    if (code) o.lang = code;
    return o;
  }));

  const announce = (text) => { const s = $('room-status'); if (s && text) s.textContent = text; };
  const self = () => room()?.state.self;
  const isChair = () => !!self()?.permissions?.moderate;
  const canRequest = () => { const me = self(); return !!me && me.permissions?.microphone && me.role !== 'interpreter' && me.role !== 'observer'; };
  // who names a speaker, isolated (FSI … PDI) so that a Latin name in an
  // Arabic sentence, or the reverse, keeps its own direction.
  const who = (q) => `\u2068${q.delegation ? `${q.name} (${q.delegation})` : q.name}\u2069`;
  const kindLabel = (k) => ({ point_of_order: t('room_floor_point_of_order'), reply: t('room_floor_reply') }[k] || '');

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function button(text, label, fn, cls) {
    const b = el('button', cls || '', text); b.type = 'button';
    if (label) b.setAttribute('aria-label', label);
    b.addEventListener('click', fn);
    return b;
  }

  // clock formats milliseconds as m:ss.
  function clock(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  }
  // remaining is the time left of the current turn on the server's clock.
  function remaining(q) {
    if (q.state === 'in_progress') return q.deadline - (Date.now() + offset);
    return q.remaining_ms ?? q.limit_ms;
  }
  function tick() {
    const q = floor?.current;
    if (!q) return;
    const left = remaining(q);
    let text;
    if (q.state === 'paused') text = `${t('room_floor_paused')} · ${clock(left)}`;
    else if (q.state === 'granted') text = t('room_floor_waiting_speaker');
    else if (left > 0) text = clock(left);
    else text = `${t('room_floor_time_up')} · ${clock(q.grace_until - (Date.now() + offset))}`;
    for (const id of ['floor-timer', 'floor-current-timer']) { const e = $(id); if (e) e.textContent = text; }
    $('floor-bar').classList.toggle('over', q.state === 'in_progress' && left <= 0);
  }

  app.addEventListener('floor-state', (e) => {
    floor = e.detail;
    offset = floor.server_time - Date.now();
    announceChange(floor);
    followMicrophone(floor);
    render();
  });

  // announceChange reads out a new speaker, a pause and the end of a turn.
  function announceChange(f) {
    const q = f.current, was = lastCurrent;
    if (q && (!was || was.id !== q.id || was.state !== q.state)) {
      if (q.state === 'in_progress' && (!was || was.id !== q.id || was.state === 'granted')) announce(t('room_floor_given', q.name));
      else if (q.state === 'in_progress') announce(t('room_floor_resumed', q.name));
      else if (q.state === 'paused') announce(t('room_floor_paused_by', q.name));
      else if (q.state === 'granted') announce(t('room_floor_given', q.name));
    } else if (!q && was) {
      announce(t('room_floor_ended', was.name));
    }
    lastCurrent = q ? { id: q.id, state: q.state, name: q.name } : null;
  }

  // followMicrophone turns our own microphone on when we are given the
  // floor (we asked for it) and off when our turn is over, when the server
  // has closed it anyway (a moderator's stays open: moderators are always
  // heard).
  let speaking = false;
  function followMicrophone(f) {
    const st = room()?.state, me = self();
    if (!st || !me) return;
    const mine = f.current && f.current.identity === me.identity && f.current.state === 'in_progress';
    if (mine && !speaking && !st.mic) room().toggleSource('microphone');
    if (!mine && speaking && st.mic && !me.permissions?.moderate) room().toggleSource('microphone');
    speaking = !!mine;
  }

  function render() {
    if (!floor) return;
    const me = self(), chair = isChair();
    $('floor-agenda').textContent = t('room_floor_agenda', floor.agenda_item);
    const q = floor.current;

    // The turn holding the floor, on the stage and in the panel.
    $('floor-bar').hidden = !q;
    const cur = $('floor-current');
    cur.hidden = !q;
    cur.replaceChildren();
    if (q) {
      $('floor-bar-who').textContent = t('room_floor_has_floor', who(q));
      const head = el('p', 'floor-speaker');
      head.append(el('bdi', '', who(q)));
      if (kindLabel(q.kind)) head.append(' ', el('span', 'floor-kind', kindLabel(q.kind)));
      if (q.language) { const l = el('span', 'floor-lang', names?.of(q.language) || q.language); l.lang = q.language; head.append(' ', l); }
      const tm = el('p', 'floor-timer'); tm.id = 'floor-current-timer'; tm.setAttribute('role', 'timer');
      cur.append(head, tm);
      const mine = me && q.identity === me.identity;
      const acts = el('div', 'floor-actions');
      if (chair && q.state === 'in_progress') acts.append(button(t('room_floor_pause'), `${t('room_floor_pause')}: ${q.name}`, () => send({ type: 'floor_pause', request: q.id })));
      if (chair && q.state === 'paused') acts.append(button(t('room_floor_resume'), `${t('room_floor_resume')}: ${q.name}`, () => send({ type: 'floor_resume', request: q.id })));
      if ((chair || mine) && (q.state === 'in_progress' || q.state === 'paused')) acts.append(button(t('room_floor_end'), `${t('room_floor_end')}: ${q.name}`, () => send({ type: 'floor_end', request: q.id })));
      if (chair && q.state === 'granted') acts.append(button(t('room_floor_deny'), `${t('room_floor_deny')}: ${q.name}`, () => send({ type: 'floor_deny', request: q.id })));
      if (acts.childElementCount) cur.append(acts);
    }

    // The pending requests, in order.
    const list = $('floor-list');
    const n = floor.requests.length;
    list.replaceChildren(...floor.requests.map((r, i) => {
      const li = el('li'); li.dataset.request = String(r.id);
      const w = el('span', 'who');
      w.append(el('bdi', 'person-name', who(r)));
      if (kindLabel(r.kind)) w.append(' ', el('span', 'floor-kind', kindLabel(r.kind)));
      li.append(w);
      if (chair) {
        // Drag and drop reorders too; the move buttons stay for the
        // keyboard and screen readers.
        li.draggable = true;
        li.classList.add('draggable');
        const acts = el('span', 'floor-actions');
        const up = button(t('room_floor_move_up'), `${t('room_floor_move_up')}: ${r.name}`, () => move(r.id, i - 1, 'up'));
        const down = button(t('room_floor_move_down'), `${t('room_floor_move_down')}: ${r.name}`, () => move(r.id, i + 1, 'down'));
        up.disabled = i === 0; down.disabled = i === n - 1;
        const grant = button(t('room_floor_grant'), `${t('room_floor_grant')}: ${r.name}`, () => send({ type: 'floor_grant', request: r.id }), 'grant');
        grant.disabled = !!floor.current; // one turn at a time
        acts.append(up, down, grant, button(t('room_floor_deny'), `${t('room_floor_deny')}: ${r.name}`, () => send({ type: 'floor_deny', request: r.id })));
        li.append(acts);
      }
      return li;
    }));
    $('floor-empty').hidden = n > 0;
    $('floor-count').textContent = n ? String(n) : '';

    // Our own requests and what we may do.
    $('floor-mine').hidden = !canRequest();
    if (me && canRequest()) {
      const mineOpen = floor.requests.filter((r) => r.identity === me.identity);
      const pos = floor.requests.findIndex((r) => r.identity === me.identity);
      let status = t('room_floor_you_none');
      if (q && q.identity === me.identity) status = t('room_floor_you_speaking');
      else if (pos >= 0) status = t('room_floor_you_pending', String(pos + 1));
      else {
        const last = [...floor.recent].reverse().find((r) => r.identity === me.identity);
        if (last?.state === 'denied') status = t('room_floor_you_denied');
      }
      $('floor-my-status').textContent = status;
      const has = (k) => mineOpen.some((r) => r.kind === k) || (q && q.identity === me.identity && q.kind === k);
      $('floor-request').disabled = has('speech');
      $('floor-point').disabled = has('point_of_order');
      $('floor-reply').disabled = has('reply');
      $('floor-withdraw').hidden = mineOpen.length === 0;
    }

    // The chair's settings of the agenda item.
    const form = $('floor-agenda-form');
    form.hidden = !chair;
    if (chair && !form.contains(document.activeElement)) {
      $('floor-item').value = floor.agenda_item;
      $('floor-seconds').value = String(floor.times?.delegate || 180);
    }
    tick();
  }

  // move sends a reorder and keeps the focus on the same control of the
  // moved request, so that a keyboard user can press it again.
  let refocus = null;
  function move(id, pos, dir) {
    refocus = { id, dir };
    send({ type: 'floor_reorder', request: id, position: pos });
  }
  new MutationObserver(() => {
    if (!refocus) return;
    const li = $('floor-list').querySelector(`li[data-request="${refocus.id}"]`);
    if (!li) return;
    const bs = li.querySelectorAll('button');
    const b = refocus.dir === 'up' ? bs[0] : bs[1];
    refocus = null;
    (b && !b.disabled ? b : li.querySelector('button:not([disabled])'))?.focus();
  }).observe($('floor-list'), { childList: true });

  // Dragging a request onto another puts it at that one's place.
  let dragged = 0;
  const list = $('floor-list');
  list.addEventListener('dragstart', (e) => {
    const li = e.target.closest?.('li[data-request]');
    if (!li || !isChair()) return;
    dragged = Number(li.dataset.request);
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', li.dataset.request);
    li.classList.add('dragging');
  });
  list.addEventListener('dragend', () => { dragged = 0; for (const li of list.querySelectorAll('.dragging, .drop-target')) li.classList.remove('dragging', 'drop-target'); });
  list.addEventListener('dragover', (e) => {
    const li = e.target.closest?.('li[data-request]');
    if (!dragged || !li) return;
    e.preventDefault();
    for (const x of list.querySelectorAll('.drop-target')) if (x !== li) x.classList.remove('drop-target');
    li.classList.add('drop-target');
  });
  list.addEventListener('drop', (e) => {
    const li = e.target.closest?.('li[data-request]');
    if (!dragged || !li) return;
    e.preventDefault();
    const to = [...list.querySelectorAll('li[data-request]')].indexOf(li);
    const r = floor?.requests.find((q) => q.id === dragged);
    if (r && to >= 0 && Number(li.dataset.request) !== dragged) {
      send({ type: 'floor_reorder', request: dragged, position: to });
      announce(t('room_floor_moved', r.name).replace('{position}', String(to + 1)));
    }
    dragged = 0;
  });

  const request = (kind) => {
    const language = $('floor-language').value;
    send({ type: 'floor_request', kind, ...(language ? { language } : {}) });
  };
  $('floor-request').addEventListener('click', () => request('speech'));
  $('floor-point').addEventListener('click', () => request('point_of_order'));
  $('floor-reply').addEventListener('click', () => request('reply'));
  $('floor-withdraw').addEventListener('click', () => {
    const me = self();
    for (const r of floor?.requests || []) if (r.identity === me?.identity) send({ type: 'floor_cancel', request: r.id });
  });
  $('floor-language').addEventListener('change', () => {
    const me = self(), language = $('floor-language').value;
    if (!language) return;
    const q = floor?.current;
    const mine = [...(floor?.requests || []), ...(q ? [q] : [])].filter((r) => r.identity === me?.identity);
    for (const r of mine) send({ type: 'floor_language', request: r.id, language });
  });
  $('floor-agenda-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const secs = Math.round(Number($('floor-seconds').value));
    send({ type: 'floor_agenda', agenda_item: $('floor-item').value.trim(), times: { delegate: secs } });
  });
  timer = setInterval(tick, 250);
  window.addEventListener('pagehide', () => clearInterval(timer));
}
