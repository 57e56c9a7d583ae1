// The public observers' view of a room's procedure: the page is rendered
// by the server, and this script refreshes it from its JSON twin every few
// seconds, so that it works behind the page cache and under the strict
// content security policy (no inline script runs; the strings come in a
// JSON block). New results are read out through the list's live region.
const root = document.querySelector('[data-observe]');
if (root) start();

function start() {
  const S = JSON.parse(document.getElementById('obs-strings').textContent);
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  const who = (s) => (s.delegation ? `${s.name} (${s.delegation})` : s.name);
  const base = root.dataset.observe.replace(/observe\.json$/, 'votes/');
  let seen = new Set([...document.querySelectorAll('#obs-results > li')].map((li) => li.dataset.id));

  function render(o) {
    $('obs-agenda').textContent = S.agenda.replaceAll('{name}', o.agenda_item);
    $('obs-current').textContent = o.current ? S.speaking.replaceAll('{name}', who(o.current)) : '';
    $('obs-speakers').replaceChildren(...o.speakers.map((s) => { const li = el('li'); li.append(el('bdi', '', who(s))); return li; }));
    $('obs-speakers-empty').hidden = o.speakers.length > 0;
    $('obs-vote').hidden = !o.vote_open;
    $('obs-vote').textContent = o.vote_open ? S.vote.replaceAll('{motion}', o.vote_open) : '';
    // Only new results are added, so that the live region reads them
    // and nothing else.
    const list = $('obs-results');
    o.results.forEach((r, i) => {
      if (seen.has(String(r.id))) return;
      const li = el('li', `proc-result ${r.outcome || ''}`);
      li.dataset.id = String(r.id);
      li.append(el('p', 'proc-outcome', o.lines[i]));
      if (r.ballots) {
        const ul = el('ul', 'proc-ballots');
        for (const [d, c] of Object.entries(r.ballots).sort()) { const b = el('li'); b.append(el('bdi', '', d), `: ${S[c] || c}`); ul.append(b); }
        li.append(ul);
      }
      const p = el('p'), a = el('a', '', S.sheet); a.href = base + r.id; p.append(a); li.append(p);
      list.prepend(li);
      seen.add(String(r.id));
    });
  }

  async function poll() {
    try {
      const res = await fetch(root.dataset.observe, { headers: { Accept: 'application/json' }, cache: 'no-store' });
      if (res.ok) render(await res.json());
    } catch { /* offline for a moment: the next poll tries again */ }
  }
  const timer = setInterval(poll, 5000);
  window.addEventListener('pagehide', () => clearInterval(timer));
}
