// Simultaneous interpretation in the conference room (protocol v1,
// interp_* messages, see docs/signalling.md "Interpretation"). room.js owns
// the connection and hands this module every interp_state, interp_chat and
// interp_slow as an "interp" event on the room element, and fires
// "room-render" when media arrive; it sends through window.chanceryRoom.send.
//
// Listeners choose a language: the channel plays at full level and the
// floor (the microphones room.js plays) at the room's ducking level, which
// they change or turn off; in passthrough the channel carries the floor, so
// the floor tracks are silenced. Interpreters get the console: source
// (floor or relay), live or standby, handover (offer, accept, switch), take
// over, cough (held with the pointer, Space/Enter on the button, or K),
// the partner's audio level, booth chat, and "slow down" to the chair.
// Moderators set the floor's language and the ducking level.
//
// A sign-language booth's channel is a video: a viewer chooses it apart
// from the language they listen to (interp_sign), and it shows beside the
// speaker at a readable size, never as a thumbnail. Interpreters' tiles
// say which language they interpret into and whether they are live
// (room.js asks tileNote), as they publish no microphone.
const app = document.getElementById('room-app');
if (app) start();

function start() {
  const S = JSON.parse(document.getElementById('room-strings').textContent);
  const $ = (id) => document.getElementById(id);
  const t = (k, name) => (S[k] || k).replaceAll('{name}', name ?? '');
  const room = () => window.chanceryRoom;
  const send = (m) => room()?.send(m);
  const lang = app.dataset.lang || document.documentElement.lang;
  const names = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames([lang], { type: 'language' }) : null;
  // A language the browser has no name for (most sign languages: "ase",
  // "hab") shows as its code in capitals.
  const langName = (code) => {
    if (!code) return t('interp_original');
    let n = null;
    try { n = names?.of(code); } catch { /* not a valid tag */ }
    return n && n.toLowerCase() !== code.toLowerCase() ? n : code.toUpperCase();
  };
  const say = (text) => { $('interp-live-region').textContent = text; };
  let state = null, level = null, muteOriginal = false, coughing = false;
  // want is the listener's (or interpreter's) own choice, asked for again
  // once after a reconnect, which starts a new session with none.
  let want = null, asked = false, wantSign = null, askedSign = false;

  // Channel and partner audio play in elements of their own.
  const channelAudio = document.createElement('audio');
  const partnerAudio = document.createElement('audio');
  channelAudio.id = 'interp-channel'; partnerAudio.id = 'interp-partner';
  for (const a of [channelAudio, partnerAudio]) { a.autoplay = true; a.hidden = true; app.append(a); }
  // The sign-language view goes beside the tiles, in the stage.
  const signView = document.createElement('figure');
  signView.className = 'sign-view'; signView.id = 'interp-sign-view'; signView.hidden = true;
  const signVideo = document.createElement('video');
  signVideo.autoplay = true; signVideo.playsInline = true; signVideo.muted = true;
  const signCaption = document.createElement('figcaption');
  signView.append(signVideo, signCaption);
  document.getElementById('stage')?.append(signView);
  const play = (el, track) => {
    const cur = el.srcObject?.getTracks()[0] || null;
    if (cur === (track || null)) return;
    el.srcObject = track ? new MediaStream([track]) : null;
  };

  const option = (value, text, code) => {
    const o = document.createElement('option');
    o.value = value; o.textContent = text;
    if (code) o.lang = code;
    return o;
  };
  const self = () => room()?.state?.self;
  const me = () => self()?.id;
  const booth = () => state?.booths.find((b) => b.language === state.booth);
  const nameOf = (id) => room()?.state?.people.get(id)?.name || '';

  app.addEventListener('interp', (e) => {
    const m = e.detail;
    if (m.type === 'interp_state') {
      state = m.interp;
      const have = state.booth ? state.hear || '' : state.listen || '';
      if (want !== null && want !== have && !asked && (want === '' || state.booths.some((b) => b.language === want))) {
        asked = true;
        send({ type: state.booth ? 'interp_hear' : 'interp_listen', language: want });
      }
      if (wantSign !== null && wantSign !== (state.sign || '') && !askedSign && (wantSign === '' || state.booths.some((b) => b.language === wantSign))) {
        askedSign = true;
        send({ type: 'interp_sign', language: wantSign });
      }
      render();
      if (room()) { room().tileNote = tileNote; room().render?.(); } // room.js redraws the interpreters' tile captions
      return;
    }
    if (m.type === 'interp_chat') { addChat(m.message); return; }
    if (m.type === 'interp_slow') say(t('interp_slow_from', `${m.message.name} (${langName(m.booth)})`));
    if (m.type === 'interp_slow' && room()?.state?.self?.permissions.moderate) {
      const a = $('room-alert'); a.textContent = t('interp_slow_from', `${m.message.name} (${langName(m.booth)})`); a.hidden = false;
    }
  });
  app.addEventListener('room-render', () => attach());

  // render shows the panel's state: the toggle appears once the room has
  // booths; interpreters see the console, moderators the settings.
  function render() {
    const has = !!state && (state.booths.length > 0 || self()?.permissions.moderate);
    $('interp-toggle').hidden = !has;
    if (!state) return;
    if (level === null) level = state.ducking;
    const mine = booth();
    $('interp-listener').hidden = !!state.booth;
    $('interp-console').hidden = !state.booth;
    $('interp-chair').hidden = !self()?.permissions.moderate;

    const spoken = state.booths.filter((b) => !b.sign), signed = state.booths.filter((b) => b.sign);
    const sel = $('interp-language');
    sel.replaceChildren(option('', t('interp_original')), ...spoken.map((b) => option(b.language, langName(b.language), b.language)));
    sel.value = state.listen || '';
    $('interp-sign-field').hidden = signed.length === 0 || (!!state.booth && signed.some((b) => b.language === state.booth));
    $('interp-sign').replaceChildren(option('', t('interp_sign_none')), ...signed.map((b) => option(b.language, langName(b.language), b.language)));
    $('interp-sign').value = state.sign || '';
    $('interp-floor-level').value = String(level);
    $('interp-floor-level-out').textContent = `${level} %`;
    $('interp-mute-original').checked = muteOriginal;
    const ch = state.booths.find((b) => b.language === state.listen);
    $('interp-passthrough').hidden = !ch?.passthrough;

    if (mine) {
      $('interp-console-heading').textContent = t('interp_booth', langName(mine.language));
      const src = $('interp-source');
      src.replaceChildren(option('', t('interp_floor')), ...spoken.filter((b) => b.language !== mine.language)
        .map((b) => option(b.language, t('interp_relay', langName(b.language)), b.language)));
      src.value = state.hear || '';
      const live = mine.live === me(), partnerLive = !!mine.live && !live;
      const offeredToMe = mine.offer === me();
      let text;
      if (mine.passthrough) text = t('interp_state_passthrough');
      else if (live) text = mine.cough ? t('interp_state_cough') : t('interp_state_live');
      else if (partnerLive) text = t('interp_state_standby', nameOf(mine.live));
      else text = t('interp_state_off');
      if (offeredToMe && !mine.accepted) text += ' ' + t('interp_state_offered', nameOf(mine.live));
      if (live && mine.offer) text += ' ' + (mine.accepted ? t('interp_state_accepted', nameOf(mine.offer)) : t('interp_state_offer_sent', nameOf(mine.offer)));
      $('interp-state').textContent = text;
      $('interp-console').classList.toggle('is-live', live);
      $('interp-live').textContent = live ? t('interp_mic_off') : t('interp_go_live');
      $('interp-live').disabled = partnerLive;
      $('interp-offer').hidden = !live;
      $('interp-offer').textContent = mine.offer ? t('interp_offer_withdraw') : t('interp_offer');
      $('interp-offer').disabled = !mine.offer && mine.interpreters.length < 2;
      $('interp-accept').hidden = !(offeredToMe && !mine.accepted);
      $('interp-switch').hidden = !(live && mine.accepted);
      $('interp-takeover').hidden = !partnerLive;
      $('interp-cough').disabled = !live;
      if (!live && coughing) coughing = false;
      $('interp-cough').setAttribute('aria-pressed', String(coughing && live));
    }
    const ducking = $('interp-ducking');
    if (document.activeElement !== ducking) ducking.value = String(state.ducking);
    const fs = $('interp-floor-setting');
    fs.replaceChildren(option('', '—'), ...['vi', 'en', 'fr', 'es', 'ru', 'zh', 'ar'].map((c) => option(c, langName(c), c)));
    fs.value = state.floor_setting || '';
    attach();
  }

  // attach plays the chosen channel (or the relay), the booth partner, and
  // sets the floor's level, which room.js applies to the microphones.
  function attach() {
    const r = room();
    if (!r || !state) return;
    const want = state.booth ? state.hear : state.listen;
    const ch = state.booths.find((b) => b.language === want);
    play(channelAudio, ch ? r.state.media.get(ch.track_id) : null);
    let gain = 1;
    if (ch) gain = ch.passthrough || muteOriginal ? 0 : level / 100;
    if (state.booth && ch) gain = 0; // relaying: the floor would only confuse
    if (r.floorGain !== gain) {
      r.floorGain = gain;
      for (const a of document.querySelectorAll('#tiles audio')) a.volume = gain;
    }
    const mine = booth();
    let partner = null;
    if (mine) {
      const tr = [...r.state.tracks.values()].find((x) => x.source === 'interpretation' && x.language === mine.language && x.participant !== me());
      partner = tr ? r.state.media.get(tr.id) : null;
    }
    play(partnerAudio, partner);
    partnerAudio.volume = Number($('interp-partner-level').value) / 100;
    // The sign channel, while it has a live interpreter (or the floor).
    const sg = state.booths.find((b) => b.sign && b.language === state.sign);
    const video = sg && (sg.live || sg.passthrough) ? r.state.media.get(sg.track_id) : null;
    play(signVideo, video || null);
    if (sg) {
      signCaption.textContent = t('interp_sign_view', langName(sg.language));
      signVideo.setAttribute('aria-label', signCaption.textContent);
    }
    if (signView.hidden !== !video) { signView.hidden = !video; }
  }

  // tileNote is what room.js writes on an interpreter's tile: the booth's
  // language and whether they are live.
  function tileNote(p) {
    const b = state?.booths.find((x) => x.language === p.booth);
    if (!b) return null;
    const live = b.live === p.id && !b.passthrough;
    return { text: t(live ? 'interp_tile_live' : 'interp_tile_standby', langName(b.language)), live };
  }

  function addChat(m) {
    const li = document.createElement('li');
    const who = document.createElement('bdi'); who.className = 'who'; who.textContent = m.name;
    const text = document.createElement('span'); text.textContent = ` ${m.text}`;
    li.append(who, text);
    $('interp-chat-log').append(li);
    li.scrollIntoView({ block: 'nearest' });
    if (m.participant !== me()) say(`${m.name}: ${m.text}`);
  }

  // --- controls --------------------------------------------------------------
  $('interp-language').addEventListener('change', (e) => {
    want = e.target.value; asked = false;
    send({ type: 'interp_listen', language: e.target.value });
    say(t('interp_now_listening', langName(e.target.value)));
  });
  $('interp-sign').addEventListener('change', (e) => {
    wantSign = e.target.value; askedSign = false;
    send({ type: 'interp_sign', language: e.target.value });
  });
  $('interp-floor-level').addEventListener('input', (e) => { level = Number(e.target.value); $('interp-floor-level-out').textContent = `${level} %`; attach(); });
  $('interp-mute-original').addEventListener('change', (e) => { muteOriginal = e.target.checked; attach(); });
  $('interp-source').addEventListener('change', (e) => { want = e.target.value; asked = false; send({ type: 'interp_hear', language: e.target.value }); });
  $('interp-live').addEventListener('click', () => send({ type: 'interp_live', on: booth()?.live !== me() }));
  $('interp-offer').addEventListener('click', () => send({ type: 'interp_offer', on: !booth()?.offer }));
  $('interp-accept').addEventListener('click', () => send({ type: 'interp_accept' }));
  $('interp-switch').addEventListener('click', () => send({ type: 'interp_switch' }));
  $('interp-takeover').addEventListener('click', () => { if (window.confirm(t('interp_takeover_confirm'))) send({ type: 'interp_takeover' }); });
  $('interp-slow').addEventListener('click', () => send({ type: 'interp_slow' }));
  $('interp-partner-level').addEventListener('input', attach);

  // The cough mutes the channel only while held.
  const cough = (on) => {
    if (on === coughing || (on && booth()?.live !== me())) return;
    coughing = on;
    $('interp-cough').setAttribute('aria-pressed', String(on));
    send({ type: 'interp_cough', on });
  };
  const cb = $('interp-cough');
  cb.addEventListener('pointerdown', (e) => { e.preventDefault(); cb.setPointerCapture?.(e.pointerId); cough(true); });
  for (const ev of ['pointerup', 'pointercancel', 'lostpointercapture']) cb.addEventListener(ev, () => cough(false));
  cb.addEventListener('keydown', (e) => { if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) { e.preventDefault(); cough(true); } });
  cb.addEventListener('keyup', (e) => { if (e.key === ' ' || e.key === 'Enter') { e.preventDefault(); cough(false); } });
  cb.addEventListener('blur', () => cough(false));
  const typing = (e) => e.target.closest?.('input, textarea, select, [contenteditable="true"]');
  document.addEventListener('keydown', (e) => {
    if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    if ((e.key === 'k' || e.key === 'K') && state?.booth) { if (!e.repeat) cough(true); e.preventDefault(); }
    if ((e.key === 'i' || e.key === 'I') && !$('interp-toggle').hidden) { room()?.openPanel('interp'); e.preventDefault(); }
  });
  document.addEventListener('keyup', (e) => { if (e.key === 'k' || e.key === 'K') cough(false); });
  window.addEventListener('blur', () => cough(false));

  $('interp-chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('interp-chat-input');
    if (!input.value.trim()) return;
    send({ type: 'interp_chat', text: input.value });
    input.value = '';
  });
  $('interp-chair').addEventListener('submit', (e) => {
    e.preventDefault();
    send({ type: 'interp_floor', language: $('interp-floor-setting').value });
    send({ type: 'interp_ducking', level: Number($('interp-ducking').value) });
    say(t('interp_applied'));
  });
}
