// Press office composer: language tabs with the source text beside each
// translation, a preview per target that looks like a post on its network
// (the server cuts and counts it, as the publisher will), autosave of
// drafts, and a warning before leaving unsaved changes. Without JavaScript
// the form still works: every language is shown and the button saves.

const form = document.getElementById('compose');

const post = (url, body, json) => fetch(url, {
  method: 'POST',
  headers: json ? { 'Content-Type': 'application/json', Accept: 'application/json' } : { Accept: 'application/json' },
  credentials: 'same-origin',
  body: json ? JSON.stringify(body) : body,
});

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

const initials = (name) => name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => [...w][0]).join('').toUpperCase();

const networkNames = {
  x: 'X', facebook: 'Facebook', mastodon: 'Mastodon', bluesky: 'Bluesky', telegram: 'Telegram', linkedin: 'LinkedIn', portal: '',
};

function composer(form) {
  const msg = (k) => form.dataset['msg' + k] ?? '';
  const variants = [...form.querySelectorAll('.variant')];
  const byLang = new Map(variants.map((v) => [v.dataset.lang, v]));
  const tablist = form.querySelector('.lang-tabs');
  const tabs = [...tablist.querySelectorAll('[role="tab"]')];
  const source = document.getElementById('source_lang');
  const file = document.getElementById('media_file');
  let newSrc = '';

  const bodyOf = (code) => byLang.get(code).querySelector('textarea[name^="body_"]').value;
  const titleOf = (code) => byLang.get(code).querySelector('input[name^="title_"]').value;

  // Tabs: one language at a time, arrows move between them (mirrored
  // right to left), Home and End go to the ends.
  const select = (code, focus) => {
    for (const t of tabs) {
      const on = t.dataset.lang === code;
      t.setAttribute('aria-selected', on);
      t.tabIndex = on ? 0 : -1;
      if (on && focus) t.focus();
    }
    for (const v of variants) v.hidden = v.dataset.lang !== code;
    showSource();
  };
  tablist.hidden = false;
  for (const v of variants) {
    v.setAttribute('role', 'tabpanel');
    v.setAttribute('aria-labelledby', 'tab-' + v.dataset.lang);
    v.querySelector('.variant-h').classList.add('visually-hidden');
  }
  tabs.forEach((t) => t.addEventListener('click', () => select(t.dataset.lang, false)));
  tablist.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const rtl = getComputedStyle(tablist).direction === 'rtl';
    let j = -1;
    if (e.key === 'ArrowRight') j = rtl ? i - 1 : i + 1;
    else if (e.key === 'ArrowLeft') j = rtl ? i + 1 : i - 1;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabs.length - 1;
    else return;
    e.preventDefault();
    select(tabs[(j + tabs.length) % tabs.length].dataset.lang, true);
  });

  // The source language: the first with text, unless the officer picks.
  const firstWithText = variants.find((v) => bodyOf(v.dataset.lang).trim() !== '');
  source.value = firstWithText ? firstWithText.dataset.lang : document.documentElement.lang.slice(0, 2) || variants[0].dataset.lang;
  if (!byLang.has(source.value)) source.value = variants[0].dataset.lang;
  // Until the officer picks, the source follows the text: the first
  // language written in.
  let sourcePicked = false;
  const showSource = () => {
    if (!sourcePicked && bodyOf(source.value).trim() === '') {
      const first = variants.find((v) => bodyOf(v.dataset.lang).trim() !== '');
      if (first) source.value = first.dataset.lang;
    }
    const src = source.value;
    const srcVariant = byLang.get(src);
    for (const v of variants) {
      const box = v.querySelector('.source-text');
      box.hidden = v.dataset.lang === src;
      if (box.hidden) continue;
      box.querySelector('.source-name').textContent = `(${srcVariant.querySelector('.variant-h').textContent})`;
      const inner = box.querySelector('.source-box');
      inner.lang = srcVariant.lang;
      inner.dir = srcVariant.dir;
      box.querySelector('.source-title').textContent = titleOf(src);
      box.querySelector('.source-body').textContent = bodyOf(src) || msg('SourceEmpty');
    }
  };
  source.addEventListener('change', () => { sourcePicked = true; showSource(); });
  const marks = () => {
    for (const t of tabs) t.classList.toggle('has-text', bodyOf(t.dataset.lang).trim() !== '');
  };
  marks();
  select(source.value, false);

  // Previews: the server cuts and counts the text as the publisher will.
  const targets = () => [...form.querySelectorAll('input[name="targets"]:checked')];
  const images = () => {
    const out = [...form.querySelectorAll('[data-media]')]
      .filter((d) => !d.querySelector('input[name="media_remove"]').checked)
      .map((d) => ({ slot: d.dataset.media, src: d.dataset.src, name: d.querySelector('bdi').textContent }));
    if (newSrc) out.push({ slot: 'new', src: newSrc, name: file.files[0]?.name ?? '' });
    return out;
  };
  const altOf = (code, slot) => byLang.get(code).querySelector(`[data-alt="${slot}"]`)?.value ?? '';
  const request = () => ({
    article_url: form.querySelector('#article_url')?.value ?? '',
    targets: targets().map((t) => Number(t.value)),
    variants: variants.map((v) => ({ lang: v.dataset.lang, title: titleOf(v.dataset.lang), body: bodyOf(v.dataset.lang) })),
    overrides: [...form.querySelectorAll('textarea[data-override]')].filter((o) => o.value.trim() !== '')
      .map((o) => ({ channel_id: Number(o.dataset.override), lang: o.dataset.lang, body: o.value })),
    media: images().map((m) => ({ filename: m.name, alts: Object.fromEntries(variants.map((v) => [v.dataset.lang, altOf(v.dataset.lang, m.slot)])) })),
  });

  const card = (ch, part, total, code) => {
    const art = el('article', `post post-${ch.network}${part.over ? ' over' : ''}`);
    art.dataset.channel = ch.channel_id;
    art.dataset.network = ch.network;
    const head = el('header', 'post-head');
    const avatar = el('span', 'avatar', initials(ch.name));
    avatar.setAttribute('aria-hidden', 'true');
    const who = el('span', 'post-who');
    who.append(el('bdi', 'post-name', ch.name));
    if (ch.account) who.append(el('bdi', 'post-handle', ch.network === 'x' || ch.network === 'bluesky' || ch.network === 'mastodon' ? '@' + ch.account.replace(/^@/, '') : ch.account));
    head.append(avatar, who, el('span', 'post-net', networkNames[ch.network] ?? ch.network));
    art.append(head);
    if (total > 1) art.append(el('p', 'post-part', msg('Part').replace('{n}', part.index + 1).replace('{total}', total)));
    if (part.title) art.append(el('p', 'post-title', part.title));
    art.append(el('p', 'preview-text post-text', part.text));
    if (part.index === 0) {
      const imgs = images();
      if (imgs.length) {
        const grid = el('div', 'post-media');
        for (const m of imgs) {
          const img = el('img', 'thumb');
          img.src = m.src;
          img.alt = altOf(code, m.slot);
          img.dataset.slot = m.slot;
          if (!img.alt) img.classList.add('no-alt');
          grid.append(img);
        }
        art.append(grid);
      }
    }
    if (part.link) {
      const link = el('div', 'link-card');
      let host = part.link;
      try { host = new URL(part.link).host; } catch { /* shown as typed */ }
      link.append(el('span', 'link-host', host), el('span', 'link-label', msg('Link')));
      link.dir = 'ltr';
      art.append(link);
    }
    const foot = el('footer', 'post-foot');
    const count = el('span', 'post-count' + (part.over ? ' over' : ''), ch.max > 0 ? `${part.count} / ${ch.max}` : `${part.count}`);
    foot.append(count);
    if (part.over) foot.append(el('strong', 'post-limit', part.limit));
    if (part.alt_missing) foot.append(el('strong', 'post-limit', msg('Alt').replace('{file}', part.alt_missing)));
    art.append(foot);
    return art;
  };

  const countLine = (ch, part, total) => {
    const line = ch.max > 0 ? `${part.count} / ${ch.max}` : `${part.count}`;
    const li = el('li', part.over ? 'over' : '', `${ch.name}${total > 1 ? ' #' + (part.index + 1) : ''}: ${part.over ? '⚠ ' : ''}${line}`);
    return li;
  };

  let seq = 0;
  const render = async () => {
    const mine = ++seq;
    const req = request();
    let data = { channels: [] };
    if (req.targets.length) {
      try {
        const res = await post('/api/v1/publishing/preview', req, true);
        data = await res.json();
        if (!res.ok) data = { channels: [], error: data.error?.message };
      } catch { return; }
    }
    if (mine !== seq) return; // a newer preview is on its way
    const overridden = new Set(req.overrides.map((o) => `${o.channel_id}_${o.lang}`));
    const counts = new Map();
    const add = (id, li) => { if (!counts.has(id)) counts.set(id, []); counts.get(id).push(li); };
    const over = new Set();
    for (const v of variants) {
      const code = v.dataset.lang;
      const nodes = [];
      for (const ch of data.channels) {
        const parts = ch.parts.filter((p) => p.lang === code);
        if (!ch.langs.includes(code)) continue;
        const box = el('div', 'post-thread');
        box.dataset.channel = ch.channel_id;
        for (const p of parts) {
          box.append(card(ch, p, parts.length, code));
          add(overridden.has(`${ch.channel_id}_${code}`) ? `count_o_${ch.channel_id}_${code}` : `count_${code}`, countLine(ch, p, parts.length));
          if (p.over || p.alt_missing) over.add(code);
        }
        if (ch.problem && (parts.length === 0 || parts.every((p) => !p.over && !p.alt_missing))) {
          box.append(el('p', 'post-problem', ch.problem));
        }
        if (box.childNodes.length) nodes.push(box);
      }
      if (data.error) nodes.push(el('p', 'post-problem', data.error));
      if (!nodes.length) nodes.push(el('p', 'preview-empty hint', msg('Empty')));
      v.querySelector('.preview').replaceChildren(...nodes);
    }
    for (const list of form.querySelectorAll('.counts')) list.replaceChildren(...(counts.get(list.id) ?? []));
    for (const t of tabs) t.classList.toggle('over', over.has(t.dataset.lang));
  };
  let timer;
  const schedule = () => { clearTimeout(timer); timer = setTimeout(render, 250); };

  // The image being added: its description fields show once a file is
  // chosen.
  const newAlts = [...form.querySelectorAll('.alt-new')];
  const showNew = () => newAlts.forEach((f) => { f.hidden = !file.files.length && !f.querySelector('input').value; });
  file?.addEventListener('change', () => {
    if (newSrc) URL.revokeObjectURL(newSrc);
    newSrc = file.files.length ? URL.createObjectURL(file.files[0]) : '';
    showNew();
    schedule();
  });
  if (file) showNew();

  // Autosave: a draft saves on its own a few seconds after a change and
  // when a field loses focus; leaving with unsaved changes warns.
  const status = document.getElementById('autosave-status');
  const editable = !form.querySelector('fieldset[disabled]');
  const draft = form.dataset.state === 'draft' && !form.dataset.recalled && editable;
  let dirty = false;
  let saving = false;
  let submitting = false;
  let saveTimer;
  let lastSave = 0;
  const autosave = async () => {
    if (!draft || !dirty || saving) return;
    // Every save is a version in the audit log: at most one per 10 s.
    const wait = lastSave + 10000 - Date.now();
    if (wait > 0) {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(autosave, wait);
      return;
    }
    lastSave = Date.now();
    if (form.querySelector('input[name="pending_data"]') || file?.files.length) return; // images take the button
    saving = true;
    dirty = false;
    status.textContent = msg('Saving');
    const fd = new FormData(form);
    fd.delete('media_file');
    try {
      const res = await post(form.dataset.autosave, fd, false);
      const out = await res.json();
      if (!res.ok) {
        dirty = true;
        status.textContent = msg('Failed').replace('{reason}', out.error?.message ?? res.status);
        status.classList.add('failed');
      } else {
        status.textContent = out.message;
        status.classList.remove('failed');
        if (!form.action.endsWith(out.url)) {
          form.action = out.url;
          form.dataset.autosave = out.url + '/autosave';
          history.replaceState(null, '', out.url);
        }
      }
    } catch {
      dirty = true;
      status.textContent = msg('Failed').replace('{reason}', '');
    } finally {
      saving = false;
    }
  };
  const changed = () => {
    dirty = true;
    if (draft) {
      status.textContent = msg('Unsaved');
      clearTimeout(saveTimer);
      saveTimer = setTimeout(autosave, 5000);
    }
  };
  form.addEventListener('input', (e) => {
    changed();
    if (e.target.matches('textarea, input[name^="title_"]')) { marks(); showSource(); }
    schedule();
  });
  form.addEventListener('change', (e) => { if (e.target !== source) { changed(); schedule(); } });
  form.addEventListener('focusout', () => { if (dirty) autosave(); });
  form.addEventListener('submit', () => { submitting = true; });
  window.addEventListener('beforeunload', (e) => {
    if ((dirty || saving) && !submitting && editable) {
      e.preventDefault();
      e.returnValue = '';
    }
  });
  render();
}

if (form) composer(form);
