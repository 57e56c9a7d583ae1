// Roll call, quorum and votes in the conference room (protocol v1,
// roll_call_*, voter_designate, procedure_settings and vote_* messages).
// room.js hands this module every procedure_state as a "procedure-state"
// event and every secret ballot's receipt as "vote-receipt"; it sends
// through window.chanceryRoom.send. The chair opens and closes roll calls
// and votes and sets the quorum; a delegation's voting member answers
// present and votes; a head of delegation designates the voting member.
// The server decides everything; this page shows it, and reads out the
// quorum and each result through the room's live region.
const app = document.getElementById('room-app');
if (app) start();

function start() {
  const S = JSON.parse(document.getElementById('room-strings').textContent);
  const $ = (id) => document.getElementById(id);
  const t = (k, vars) => Object.entries(vars || {}).reduce((s, [n, v]) => s.replaceAll(`{${n}}`, v), S[k] || k);
  const room = () => window.chanceryRoom;
  const send = (m) => room()?.send(m);
  const self = () => room()?.state.self;
  const isChair = () => !!self()?.permissions?.moderate;
  const announce = (text) => { const s = $('room-status'); if (s && text) s.textContent = text; };
  const bdi = (s) => `\u2068${s}\u2069`;
  let proc = null, lastResult = 0, lastQuorum = null;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function button(text, fn, cls) {
    const b = el('button', cls || 'button', text); b.type = 'button';
    b.addEventListener('click', fn);
    return b;
  }

  // A secret ballot's receipt stays on this device: it is what lets the
  // delegation change its ballot, and the server keeps none.
  const receiptKey = (vote) => `chancery-ballot-${vote}`;
  const ballot = (vote) => { try { return JSON.parse(localStorage.getItem(receiptKey(vote)) || 'null'); } catch { return null; } };
  // pendingChoice is the choice sent; ownChoice the one the server took.
  let pendingChoice = null, ownChoice = null;
  app.addEventListener('vote-receipt', (e) => {
    const { vote, receipt } = e.detail;
    if (receipt) try { localStorage.setItem(receiptKey(vote), JSON.stringify({ receipt, choice: pendingChoice })); } catch { /* private mode: no change later */ }
    ownChoice = pendingChoice;
    announce(t('procedure_ballot_recorded'));
    render();
  });

  app.addEventListener('procedure-state', (e) => {
    const before = proc;
    proc = e.detail;
    announceChange(before, proc);
    render();
  });

  // The delegation a participant acts for, and whether it is us.
  function acting() {
    const me = self();
    if (!me || me.role !== 'delegate' || !me.delegation) return { entitled: false };
    const d = (proc?.voters || []).find((v) => v.delegation === me.delegation);
    if (d) return { entitled: d.identity === me.identity, by: d.name, delegation: me.delegation };
    return { entitled: !!me.head, delegation: me.delegation };
  }
  const present = (delegation) => (proc?.roll_call?.present || []).some((v) => v.delegation === delegation);
  const choiceLabel = (c) => t(`procedure_choice_${c}`);
  const ruleLabel = (r) => t(`procedure_rule_${r}`);

  function quorumText(q) {
    return t(q.met ? 'procedure_quorum_met' : 'procedure_quorum_not_met', { present: String(q.present), required: String(q.required), members: String(q.membership || '—') });
  }

  function announceChange(a, b) {
    if (!b) return;
    const q = quorumText(b.quorum);
    if (a && lastQuorum !== null && q !== lastQuorum) announce(q);
    lastQuorum = q;
    if (b.vote && (!a?.vote || a.vote.id !== b.vote.id)) announce(t('procedure_vote_opened', { motion: bdi(b.vote.motion) }));
    const r = b.results?.[0];
    if (a && r && r.id !== lastResult) announce(resultText(r));
    if (r) lastResult = r.id;
    if (b.roll_call?.open && !a?.roll_call?.open && a) announce(t('procedure_roll_opened'));
  }

  function resultText(r) {
    if (r.rule === 'consensus') return t('procedure_result_consensus', { motion: bdi(r.motion) });
    const c = r.counts || { yes: 0, no: 0, abstain: 0 };
    return t(r.outcome === 'adopted' ? 'procedure_result_adopted' : 'procedure_result_rejected',
      { motion: bdi(r.motion), yes: String(c.yes), no: String(c.no), abstain: String(c.abstain) });
  }

  function render() {
    if (!proc) return;
    const chair = isChair(), me = self(), act = acting();
    $('proc-quorum').textContent = quorumText(proc.quorum);
    $('proc-quorum').classList.toggle('met', proc.quorum.met);
    const rc = proc.roll_call;
    $('proc-roll-status').textContent = !rc ? t('procedure_roll_none') : rc.open ? t('procedure_roll_is_open') : t('procedure_roll_is_closed');
    $('proc-present').replaceChildren(...(rc?.present || []).map((v) => {
      const li = el('li');
      li.append(el('bdi', 'proc-deleg', v.delegation), ' ', el('span', 'proc-by', `— ${v.name}`));
      return li;
    }));
    $('proc-roll-open').hidden = !chair || !!proc.vote;
    $('proc-roll-close').hidden = !chair || !rc?.open;
    // Our own status: whom we act for, whether we answered.
    let mine = '';
    if (act.delegation) {
      if (!act.entitled) mine = act.by ? t('procedure_you_by', { name: bdi(act.by) }) : t('procedure_you_not_entitled');
      else mine = present(act.delegation) ? t('procedure_you_present', { delegation: bdi(act.delegation) }) : t('procedure_you_absent', { delegation: bdi(act.delegation) });
    }
    $('proc-mine').textContent = mine;
    $('proc-mine').hidden = !mine;
    $('proc-answer').hidden = !(act.entitled && rc?.open && !present(act.delegation));

    // The head designates the voting member among the delegation's members.
    const form = $('proc-designate-form');
    form.hidden = !(me?.head && me.role === 'delegate' && me.delegation);
    if (!form.hidden && !form.contains(document.activeElement)) {
      const members = [...(room()?.state.people.values() || [])].filter((p) => p.delegation === me.delegation && p.role === 'delegate');
      if (!members.some((p) => p.id === me.id)) members.unshift(me);
      const cur = (proc.voters || []).find((v) => v.delegation === me.delegation)?.identity || me.identity;
      $('proc-designate').replaceChildren(...members.map((p) => {
        const o = el('option', '', p.name); o.value = p.id; o.selected = p.identity === cur; return o;
      }));
    }

    renderVote(chair, act);
    $('proc-vote-form').hidden = !chair || !!proc.vote;
    const sf = $('proc-settings-form');
    sf.hidden = !chair;
    if (chair && !sf.contains(document.activeElement)) {
      $('proc-quorum-kind').value = proc.quorum.kind || 'majority';
      $('proc-quorum-n').value = String(proc.quorum.n || 0);
      $('proc-public').checked = !!proc.public;
    }
    $('proc-results').replaceChildren(...proc.results.map(resultItem));
    $('proc-count').textContent = proc.vote ? '1' : '';
  }

  function renderVote(chair, act) {
    const box = $('proc-vote-current');
    const v = proc.vote;
    if (!v) {
      if (!box.querySelector('.floor-empty')) box.replaceChildren(el('p', 'floor-empty', t('procedure_no_vote')));
      return;
    }
    // Keep the form a keyboard user is in: only its status lines change.
    const keep = box.dataset.vote === String(v.id) && box.contains(document.activeElement);
    const status = t('procedure_voted_count', { voted: String(v.voted.length), present: String(v.present) });
    if (keep) { box.querySelector('.proc-voted').textContent = status; updateOwn(box, v, act); return; }
    box.dataset.vote = String(v.id);
    const head = el('div', 'proc-motion');
    head.append(el('p', 'proc-motion-text', v.motion), el('p', 'proc-kind', `${v.secret ? t('procedure_secret_vote') : t('procedure_named_vote')} · ${ruleLabel(v.rule)}`));
    const parts = [head, el('p', 'proc-voted', status)];
    if (act.entitled && present(act.delegation)) {
      const fs = el('fieldset', 'proc-choices');
      fs.append(el('legend', '', t('procedure_your_vote', { delegation: bdi(act.delegation) })));
      for (const c of ['yes', 'no', 'abstain']) {
        const lab = el('label', 'check'), inp = el('input');
        inp.type = 'radio'; inp.name = 'proc-choice'; inp.value = c; inp.id = `proc-choice-${c}`;
        lab.append(inp, ' ', choiceLabel(c));
        fs.append(lab);
      }
      const cast = button(t('procedure_cast'), () => {
        const c = fs.querySelector('input:checked')?.value;
        if (!c) { announce(t('procedure_choose_first')); return; }
        pendingChoice = c;
        const m = { type: 'vote_cast', vote: v.id, choice: c };
        if (v.secret) { const b = ballot(v.id); if (b?.receipt) m.receipt = b.receipt; }
        send(m);
      });
      cast.id = 'proc-cast';
      parts.push(fs, cast, el('p', 'proc-own'));
    }
    if (chair) parts.push(button(t('procedure_vote_close'), () => send({ type: 'vote_close', vote: v.id }), 'button secondary'));
    box.replaceChildren(...parts);
    updateOwn(box, v, act);
  }

  // updateOwn says whether our delegation has voted, and what this device
  // remembers of its choice.
  function updateOwn(box, v, act) {
    const own = box.querySelector('.proc-own');
    if (!own) return;
    const voted = v.voted.includes(act.delegation);
    const b = v.secret ? ballot(v.id) : null;
    const remembered = v.secret ? b?.choice : ownChoice;
    own.textContent = voted ? (remembered ? t('procedure_you_voted', { choice: choiceLabel(remembered) }) : t('procedure_you_voted_secret')) : t('procedure_you_not_voted');
  }

  function resultItem(r) {
    const li = el('li', `proc-result ${r.outcome}`);
    li.append(el('p', 'proc-motion-text', r.motion), el('p', 'proc-outcome', resultText(r)));
    if (r.ballots && Object.keys(r.ballots).length) {
      const d = el('details'), s = el('summary', '', t('procedure_named_ballots'));
      const ul = el('ul', 'proc-ballots');
      for (const [deleg, c] of Object.entries(r.ballots).sort()) {
        const b = el('li');
        b.append(el('bdi', '', deleg), `: ${choiceLabel(c)}`);
        ul.append(b);
      }
      d.append(s, ul);
      li.append(d);
    }
    return li;
  }

  $('proc-answer').addEventListener('click', () => send({ type: 'roll_call_answer' }));
  $('proc-roll-open').addEventListener('click', () => send({ type: 'roll_call_open' }));
  $('proc-roll-close').addEventListener('click', () => send({ type: 'roll_call_close' }));
  $('proc-designate-form').addEventListener('submit', (e) => {
    e.preventDefault();
    send({ type: 'voter_designate', participant: $('proc-designate').value });
  });
  $('proc-rule').addEventListener('change', () => {
    const consensus = $('proc-rule').value === 'consensus';
    $('proc-secret').disabled = consensus;
    if (consensus) $('proc-secret').checked = false;
  });
  $('proc-vote-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const motion = $('proc-motion').value.trim();
    if (!motion) return;
    send({ type: 'vote_open', motion, rule: $('proc-rule').value, secret: $('proc-secret').checked });
    $('proc-motion').value = '';
  });
  $('proc-settings-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const kind = $('proc-quorum-kind').value, n = Math.max(0, Math.round(Number($('proc-quorum-n').value) || 0));
    send({ type: 'procedure_settings', settings: { quorum: { kind, n: kind === 'fixed' ? Math.max(1, n) : n }, public: $('proc-public').checked } });
  });
}
