// Conference room client: signalling over a WebSocket (protocol v1, see
// docs/signalling.md), one RTCPeerConnection to publish (we offer) and one to
// subscribe (the server offers), simulcast camera, screen share, chat, raise
// hand, lobby, moderation (a chair's mute shows on the muted delegate's
// control), reconnection after a network loss, and leaving, which releases
// the camera and microphone at once.
const app = document.getElementById('room-app');
if (app) start();

function start() {
  const S = JSON.parse(document.getElementById('room-strings').textContent);
  const $ = (id) => document.getElementById(id);
  const t = (k, name) => (S[k] || k).replaceAll('{name}', name ?? '');
  const V = 1;
  const st = {
    token: app.dataset.token, ws: null, pub: null, sub: null, self: null, left: false, fatal: false,
    people: new Map(), tracks: new Map(), media: new Map(), waiting: [], speakers: [], locked: false,
    local: null, screen: null, screenTx: null, specs: [], mic: true, cam: true, hand: false, layout: 'grid',
    retry: 0, joinedOnce: false, iceServers: [], subQueue: [], pubQueue: [], answerWait: null, views: new Map(),
    tokenExp: 0, retryTimer: null, chairMuted: {},
  };
  window.chanceryRoom = { state: st, stats };

  const status = (text) => { $('room-status').textContent = text; };
  const alertMsg = (text) => { const a = $('room-alert'); a.textContent = text; a.hidden = !text; };
  const send = (m) => { if (st.ws && st.ws.readyState === 1) st.ws.send(JSON.stringify({ v: V, ...m })); };

  // --- devices and preview -------------------------------------------------
  async function openDevices() {
    const cam = $('camera-select').value, mic = $('mic-select').value;
    try {
      if (st.local) st.local.getTracks().forEach((x) => x.stop());
      const got = await navigator.mediaDevices.getUserMedia({
        audio: mic ? { deviceId: { exact: mic } } : true,
        video: cam ? { deviceId: { exact: cam }, width: 1280, height: 720 } : { width: 1280, height: 720 },
      });
      // Left while the browser was opening the devices: give them back.
      if (st.left) { got.getTracks().forEach((x) => x.stop()); return; }
      st.local = got;
      $('preview').srcObject = st.local;
      const devs = await navigator.mediaDevices.enumerateDevices();
      fill($('camera-select'), devs.filter((d) => d.kind === 'videoinput'), st.local.getVideoTracks()[0], t('room_camera'));
      fill($('mic-select'), devs.filter((d) => d.kind === 'audioinput'), st.local.getAudioTracks()[0], t('room_microphone'));
    } catch (e) {
      st.local = null;
      alertMsg(t('room_error_media'));
    }
  }
  function fill(sel, devs, track, fallback) {
    const cur = track && track.getSettings().deviceId;
    sel.replaceChildren(...devs.map((d, i) => {
      const o = document.createElement('option');
      o.value = d.deviceId; o.textContent = d.label || `${fallback} ${i + 1}`;
      o.selected = d.deviceId === cur;
      return o;
    }));
  }
  $('camera-select').addEventListener('change', openDevices);
  $('mic-select').addEventListener('change', openDevices);
  $('join-button').addEventListener('click', () => { $('join-button').disabled = true; connect(); });

  // During the meeting, another camera or microphone replaces the track
  // being sent (replaceTrack): no renegotiation, the others see no gap.
  async function fillRoomDevices() {
    if (!st.local) return;
    const devs = await navigator.mediaDevices.enumerateDevices();
    fill($('room-camera-select'), devs.filter((d) => d.kind === 'videoinput'), st.local.getVideoTracks()[0], t('room_camera'));
    fill($('room-mic-select'), devs.filter((d) => d.kind === 'audioinput'), st.local.getAudioTracks()[0], t('room_microphone'));
  }
  async function switchDevice(kind) {
    const sel = $(kind === 'video' ? 'room-camera-select' : 'room-mic-select');
    if (!st.local || !sel.value) return;
    const old = kind === 'video' ? st.local.getVideoTracks()[0] : st.local.getAudioTracks()[0];
    if (old && old.getSettings().deviceId === sel.value) return;
    const open = (id) => navigator.mediaDevices.getUserMedia(kind === 'video'
      ? { video: { deviceId: { exact: id }, width: 1280, height: 720 } }
      : { audio: { deviceId: { exact: id } } }).then((s) => s.getTracks()[0]);
    // Many cameras (and Chromium's fake ones) deliver no frames to a second
    // capture while the first runs: release the old device first.
    const prev = old?.getSettings().deviceId;
    if (old) old.stop();
    let fresh;
    try {
      fresh = await open(sel.value);
    } catch {
      alertMsg(t('room_error_media'));
      try { fresh = prev ? await open(prev) : null; } catch { fresh = null; }
      if (!fresh) { fillRoomDevices(); return; }
    }
    if (st.left || !st.local) { fresh.stop(); return; }
    fresh.enabled = kind === 'video' ? st.cam : st.mic;
    const tx = kind === 'video' ? st.camTx : st.micTx;
    if (tx && st.pub && st.pub.signalingState !== 'closed') await tx.sender.replaceTrack(fresh);
    if (old) st.local.removeTrack(old);
    st.local.addTrack(fresh);
    fillRoomDevices();
    $('preview').srcObject = st.local;
    status(t('room_device_switched', sel.selectedOptions[0]?.textContent || fresh.label));
    render();
  }
  $('room-camera-select').addEventListener('change', () => switchDevice('video'));
  $('room-mic-select').addEventListener('change', () => switchDevice('audio'));
  navigator.mediaDevices?.addEventListener?.('devicechange', () => { if (st.self) fillRoomDevices(); });

  // --- signalling ----------------------------------------------------------
  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}${app.dataset.signal}`);
    st.ws = ws;
    ws.onopen = () => send({ type: 'join', token: st.token });
    ws.onmessage = (ev) => { handle(JSON.parse(ev.data)).catch((e) => console.error(e)); };
    ws.onclose = () => {
      if (st.ws !== ws) return;
      teardown();
      if (st.left || st.fatal) return;
      status(t('room_reconnecting'));
      const delay = Math.min(10000, 500 * 2 ** st.retry++);
      st.retryTimer = setTimeout(() => { st.retryTimer = null; if (!st.left && !st.fatal) connect(); }, delay);
    };
  }

  async function handle(m) {
    switch (m.type) {
      case 'lobby':
        show('prejoin', 'lobby'); $('join-button').hidden = true; break;
      case 'welcome': return welcome(m);
      case 'offer': return onOffer(m);
      case 'answer':
        await st.pub.setRemoteDescription({ type: 'answer', sdp: m.sdp });
        for (const c of st.pubQueue.splice(0)) await st.pub.addIceCandidate(c).catch(() => {});
        if (st.answerWait) { st.answerWait(); st.answerWait = null; }
        break;
      case 'candidate': {
        const pc = m.target === 'sub' ? st.sub : st.pub;
        if (!pc) break;
        if (!pc.remoteDescription) (m.target === 'sub' ? st.subQueue : st.pubQueue).push(m.candidate);
        else await pc.addIceCandidate(m.candidate).catch(() => {});
        break;
      }
      case 'participant': {
        const known = st.people.has(m.participant.id);
        st.people.set(m.participant.id, m.participant);
        if (m.participant.id === st.self?.id) { st.self = m.participant; applyChairMutes(); }
        if (!known) status(t('room_joined', m.participant.name));
        render(); break;
      }
      case 'left': st.people.delete(m.id); render(); break;
      case 'track': st.tracks.set(m.track.id, m.track); render(); break;
      case 'untrack': st.tracks.delete(m.track_id); st.media.delete(m.track_id); render(); break;
      case 'speakers': st.speakers = m.speakers || []; highlight(); break;
      case 'chat': addChat(m.message); break;
      case 'token': if (m.token) { st.token = m.token; st.tokenExp = m.expires_at || 0; } break; // refreshed before the last one expires
      case 'waiting': st.waiting = m.waiting || []; renderWaiting(); break;
      case 'locked': st.locked = !!m.locked; $('lock-toggle').setAttribute('aria-pressed', String(st.locked)); status(st.locked ? t('room_locked_notice') : ''); break;
      case 'error': {
        if (m.code === 'muted_by_chair') {
          // The server refused our own unmute: the chair's mute stands.
          const cm = st.chairMuted.microphone || st.chairMuted.camera;
          alertMsg(t('room_error_muted_by_chair', cm?.by));
          break;
        }
        const key = { room_locked: 'room_error_locked', forbidden: 'room_error_forbidden', token_expired: 'room_error_expired', bad_token: 'room_error_invalid',
          token_revoked: 'room_error_revoked', identity_in_use: 'room_error_identity_in_use' }[m.code] || 'room_error_generic';
        alertMsg(t(key));
        if (['room_locked', 'token_expired', 'bad_token', 'denied', 'token_revoked', 'identity_in_use'].includes(m.code)) { st.fatal = true; release(); }
        break;
      }
      case 'bye': {
        const key = { removed: 'room_bye_removed', denied: 'room_bye_denied', replaced: 'room_bye_replaced', revoked: 'room_bye_revoked' }[m.reason];
        if (key) { st.fatal = true; release(); alertMsg(t(key)); show(null); }
        break;
      }
    }
  }

  async function welcome(m) {
    st.self = m.self; st.token = m.token || st.token; st.tokenExp = m.expires_at || st.tokenExp; st.iceServers = m.ice_servers || [];
    st.people = new Map((m.participants || []).map((p) => [p.id, p]));
    st.tracks = new Map((m.tracks || []).map((x) => [x.id, x]));
    st.speakers = m.speakers || []; st.locked = !!m.locked;
    $('chat-log').replaceChildren();
    (m.chat || []).forEach(addChat);
    if (st.joinedOnce) status(t('room_reconnected'));
    st.joinedOnce = true; st.retry = 0; alertMsg('');
    show('room');
    applyChairMutes();
    const mod = st.self.permissions.moderate;
    $('lock-toggle').hidden = !mod; $('waiting-section').hidden = !mod;
    $('lock-toggle').setAttribute('aria-pressed', String(st.locked));
    $('chat-form').hidden = !st.self.permissions.chat;
    setupPeers();
    await publish();
    render();
  }

  function setupPeers() {
    const cfg = { iceServers: st.iceServers };
    st.pub = new RTCPeerConnection(cfg);
    st.sub = new RTCPeerConnection(cfg);
    st.pub.onicecandidate = (e) => e.candidate && send({ type: 'candidate', target: 'pub', candidate: e.candidate.toJSON() });
    st.sub.onicecandidate = (e) => e.candidate && send({ type: 'candidate', target: 'sub', candidate: e.candidate.toJSON() });
    st.sub.ontrack = (e) => { st.media.set(e.track.id, e.track); render(); };
    const restart = (pc, which) => () => {
      if (pc.iceConnectionState !== 'failed') return;
      if (which === 'pub') negotiate(true); else send({ type: 'restart' });
    };
    st.pub.oniceconnectionstatechange = restart(st.pub, 'pub');
    st.sub.oniceconnectionstatechange = restart(st.sub, 'sub');
  }

  async function onOffer(m) {
    await st.sub.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    for (const c of st.subQueue.splice(0)) await st.sub.addIceCandidate(c).catch(() => {});
    const ans = await st.sub.createAnswer();
    await st.sub.setLocalDescription(ans);
    send({ type: 'answer', sdp: ans.sdp });
  }

  let chain = Promise.resolve();
  function negotiate(iceRestart = false) {
    chain = chain.then(async () => {
      if (!st.pub || st.pub.signalingState === 'closed') return;
      const offer = await st.pub.createOffer({ iceRestart });
      await st.pub.setLocalDescription(offer);
      const answered = new Promise((res) => { st.answerWait = res; });
      send({ type: 'offer', sdp: offer.sdp, tracks: st.specs });
      await Promise.race([answered, new Promise((res) => setTimeout(res, 10000))]);
    }).catch((e) => console.error(e));
    return chain;
  }

  async function publish() {
    const p = st.self.permissions;
    st.specs = []; st.micTx = null; st.camTx = null;
    if (!st.local) await openDevices();
    if (!st.local) return;
    const a = st.local.getAudioTracks()[0], v = st.local.getVideoTracks()[0];
    if (a && p.microphone) {
      a.enabled = st.mic;
      st.micTx = st.pub.addTransceiver(a, { direction: 'sendonly' });
      st.specs.push({ id: a.id, source: 'microphone' });
    }
    if (v && p.camera) {
      v.enabled = st.cam;
      st.camTx = st.pub.addTransceiver(v, {
        direction: 'sendonly',
        sendEncodings: [
          { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150000 },
          { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500000 },
          { rid: 'f', maxBitrate: 1500000 },
        ],
      });
      st.specs.push({ id: v.id, source: 'camera' });
    }
    $('room-devices').hidden = !st.micTx && !st.camTx;
    fillRoomDevices();
    if (st.specs.length) await negotiate();
    if (!st.mic) send({ type: 'mute_self', source: 'microphone', muted: true });
    if (!st.cam) send({ type: 'mute_self', source: 'camera', muted: true });
  }

  // release stops every local track (camera, microphone, screen) and
  // detaches them from the page.
  function release() {
    for (const s of [st.local, st.screen]) s?.getTracks().forEach((x) => x.stop());
    st.local = null; st.screen = null; st.micTx = null; st.camTx = null;
    $('preview').srcObject = null;
    $('screen-toggle').setAttribute('aria-pressed', 'false');
    for (const v of document.querySelectorAll('#tiles video, #tiles audio')) v.srcObject = null;
  }

  function teardown() {
    for (const pc of [st.pub, st.sub]) if (pc) pc.close();
    st.pub = st.sub = null; st.media.clear(); st.subQueue = []; st.pubQueue = [];
    if (st.screen) { st.screen.getTracks().forEach((x) => x.stop()); st.screen = null; $('screen-toggle').setAttribute('aria-pressed', 'false'); }
    if (st.answerWait) { st.answerWait(); st.answerWait = null; }
  }

  // --- controls ------------------------------------------------------------
  // toggleSource mutes or unmutes our own microphone or camera. While a
  // chair's mute stands, the request to unmute still goes to the server,
  // which decides (and refuses); the local track stays off meanwhile.
  function toggleSource(source) {
    const mic = source === 'microphone';
    const on = !(mic ? st.mic : st.cam);
    if (on && st.chairMuted[source]) {
      send({ type: 'mute_self', source, muted: false });
      return;
    }
    setSource(source, on);
    send({ type: 'mute_self', source, muted: !on });
    // The chair's notice has served its purpose once we speak again.
    if (on && !Object.keys(st.chairMuted).length) $('mute-notice').textContent = '';
  }
  function setSource(source, on) {
    const mic = source === 'microphone';
    if (mic) st.mic = on; else st.cam = on;
    (mic ? st.local?.getAudioTracks() : st.local?.getVideoTracks())?.forEach((x) => { x.enabled = on; });
    $(mic ? 'mic-toggle' : 'camera-toggle').setAttribute('aria-pressed', String(on));
  }
  $('mic-toggle').addEventListener('click', () => toggleSource('microphone'));
  $('camera-toggle').addEventListener('click', () => toggleSource('camera'));

  // applyChairMutes shows what the server says of our own sources: a
  // moderator's mute turns the control off, says who muted us, and tells
  // the server we are muted too, so that the chair's allowing it later
  // leaves the choice to unmute to us.
  function applyChairMutes() {
    const now = Object.fromEntries((st.self?.chair_muted || []).map((c) => [c.source, c]));
    const notes = [];
    for (const source of ['microphone', 'camera']) {
      const was = st.chairMuted[source], cm = now[source];
      const ctl = $(source === 'microphone' ? 'mic-toggle' : 'camera-toggle');
      ctl.classList.toggle('chair-muted', !!cm);
      if (cm) {
        if ((source === 'microphone' ? st.mic : st.cam)) {
          setSource(source, false);
          send({ type: 'mute_self', source, muted: true });
        }
        notes.push(t(source === 'microphone' ? 'room_muted_by_chair' : 'room_camera_off_by_chair', cm.by));
      } else if (was) {
        notes.push(t('room_unmute_allowed'));
        alertMsg('');
      }
    }
    st.chairMuted = now;
    $('mute-notice').textContent = notes.join(' ');
  }
  $('screen-toggle').addEventListener('click', async () => {
    if (st.screen) return stopScreen();
    try {
      const got = await navigator.mediaDevices.getDisplayMedia({ video: true });
      if (st.left || !st.pub) { got.getTracks().forEach((x) => x.stop()); return; }
      st.screen = got;
    } catch { return; }
    const v = st.screen.getVideoTracks()[0];
    v.addEventListener('ended', stopScreen);
    st.screenTx = st.pub.addTransceiver(v, { direction: 'sendonly' });
    st.specs.push({ id: v.id, source: 'screen' });
    $('screen-toggle').setAttribute('aria-pressed', 'true');
    negotiate();
  });
  function stopScreen() {
    if (!st.screen) return;
    const id = st.screen.getVideoTracks()[0].id;
    st.screen.getTracks().forEach((x) => x.stop());
    st.screen = null;
    st.specs = st.specs.filter((s) => s.id !== id);
    if (st.screenTx) { st.screenTx.stop(); st.screenTx = null; negotiate(); }
    $('screen-toggle').setAttribute('aria-pressed', 'false');
  }
  $('hand-toggle').addEventListener('click', () => {
    st.hand = !st.hand;
    $('hand-toggle').setAttribute('aria-pressed', String(st.hand));
    send({ type: 'hand', raised: st.hand });
  });
  $('layout-toggle').addEventListener('click', () => {
    st.layout = st.layout === 'grid' ? 'speaker' : 'grid';
    $('layout-toggle').setAttribute('aria-pressed', String(st.layout === 'speaker'));
    render();
  });
  $('lock-toggle').addEventListener('click', () => send({ type: 'lock', locked: !st.locked }));
  // Leaving releases the camera and microphone at once, so the browser's
  // recording indicator goes off, and replaces the room with a screen to
  // rejoin or go home: nothing of the meeting stays on screen.
  $('leave-button').addEventListener('click', () => {
    st.left = true;
    if (st.retryTimer) { clearTimeout(st.retryTimer); st.retryTimer = null; }
    const ws = st.ws; st.ws = null; ws?.close();
    teardown(); release();
    st.self = null; st.people.clear(); st.tracks.clear(); st.waiting = []; st.speakers = []; st.chairMuted = {};
    render(); renderWaiting(); $('chat-log').replaceChildren(); $('mute-notice').textContent = ''; alertMsg('');
    show('left');
    $('left-heading').focus();
  });
  $('rejoin-button').addEventListener('click', async () => {
    $('rejoin-button').disabled = true;
    st.left = false; st.fatal = false; st.retry = 0;
    // The rejoin token lasts minutes; after a long pause the invitation
    // the page was opened with takes its place.
    if (st.tokenExp && st.tokenExp * 1000 <= Date.now()) st.token = app.dataset.token;
    st.mic = true; st.cam = true;
    setSource('microphone', true); setSource('camera', true);
    $('join-button').hidden = false; $('join-button').disabled = true;
    show('prejoin');
    await openDevices();
    $('rejoin-button').disabled = false;
    connect();
  });
  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('chat-input').value.trim();
    if (text) send({ type: 'chat', text });
    $('chat-input').value = '';
  });

  // --- rendering -----------------------------------------------------------
  // show displays the screens named: prejoin, lobby (with prejoin), room
  // or left; none when called without any.
  function show(...which) {
    for (const id of ['prejoin', 'lobby', 'room', 'left']) $(id).hidden = !which.includes(id);
  }

  function label(p) {
    return p.delegation ? `${p.name} — ${p.delegation}` : p.name;
  }

  const observer = new ResizeObserver((entries) => {
    for (const e of entries) {
      const id = e.target.dataset.track;
      const w = Math.round(e.contentRect.width), h = Math.round(e.contentRect.height);
      const key = `${w}x${h}`;
      if (id && st.views.get(id) !== key) { st.views.set(id, key); send({ type: 'view', track: id, width: w, height: h }); }
    }
  });

  function render() {
    const tiles = $('tiles');
    tiles.dataset.layout = st.layout;
    const want = [];
    const everyone = [st.self, ...[...st.people.values()].filter((p) => p.id !== st.self?.id)].filter(Boolean);
    for (const p of everyone) {
      const own = p.id === st.self?.id;
      const cam = [...st.tracks.values()].find((x) => x.participant === p.id && x.source === 'camera');
      const mic = [...st.tracks.values()].find((x) => x.participant === p.id && x.source === 'microphone');
      want.push({ key: `p-${p.id}`, p, own, video: own ? st.local?.getVideoTracks()[0] : cam && st.media.get(cam.id), track: cam?.id, audio: !own && mic && st.media.get(mic.id), mic });
      const scr = [...st.tracks.values()].find((x) => x.participant === p.id && x.source === 'screen');
      if (scr && !own) want.push({ key: `s-${scr.id}`, p, screen: true, video: st.media.get(scr.id), track: scr.id });
    }
    const keep = new Set(want.map((w) => w.key));
    for (const el of [...tiles.children]) if (!keep.has(el.dataset.key)) { observer.unobserve(el.querySelector('video')); el.remove(); }
    for (const w of want) {
      let el = tiles.querySelector(`[data-key="${w.key}"]`);
      if (!el) {
        el = document.createElement('figure');
        el.className = 'tile'; el.dataset.key = w.key; el.dataset.participant = w.p.id;
        const v = document.createElement('video'); v.autoplay = true; v.playsInline = true; v.muted = true;
        const a = document.createElement('audio'); a.autoplay = true;
        const cap = document.createElement('figcaption');
        el.append(v, a, cap);
        tiles.append(el);
      }
      const v = el.querySelector('video'), a = el.querySelector('audio');
      el.querySelector('figcaption').textContent = w.screen ? t('room_screen_of', label(w.p)) : label(w.p) + (w.own ? ` ${t('room_you')}` : '') + badges(w.p, w.mic);
      v.setAttribute('aria-label', el.querySelector('figcaption').textContent);
      if (w.track) { v.dataset.track = w.track; observer.observe(v); }
      setSrc(v, w.video); setSrc(a, w.audio);
      el.classList.toggle('main', st.layout === 'speaker' && (w.screen || w.p.id === st.speakers[0]));
    }
    highlight(); renderPeople();
  }
  function badges(p, mic) {
    const b = [];
    if (mic?.muted) b.push(t('room_mic_off'));
    if (p.hand) b.push(t('room_hand_raised'));
    return b.length ? ` · ${b.join(' · ')}` : '';
  }
  function setSrc(el, track) {
    const cur = el.srcObject?.getTracks()[0];
    if (cur === track) return;
    el.srcObject = track ? new MediaStream([track]) : null;
  }
  function highlight() {
    for (const el of $('tiles').children) {
      const on = st.speakers.includes(el.dataset.participant) && el.dataset.key.startsWith('p-');
      el.classList.toggle('speaking', on);
    }
    for (const li of $('people-list').children) {
      const s = li.querySelector('.speaking-flag');
      if (s) s.hidden = !st.speakers.includes(li.dataset.participant);
    }
  }
  function renderPeople() {
    const list = $('people-list');
    const mod = st.self?.permissions.moderate;
    list.replaceChildren(...[...st.people.values()].map((p) => {
      const li = document.createElement('li'); li.dataset.participant = p.id;
      const name = document.createElement('span');
      name.textContent = label(p) + ` (${t('room_role_' + p.role)})` + (p.id === st.self?.id ? ` ${t('room_you')}` : '') + (p.hand ? ` · ${t('room_hand_raised')}` : '');
      const sp = document.createElement('span'); sp.className = 'speaking-flag'; sp.textContent = `· ${t('room_speaking')}`; sp.hidden = true;
      li.append(name, sp);
      const cm = (p.chair_muted || []).find((c) => c.source === 'microphone');
      if (cm) {
        const note = document.createElement('span'); note.className = 'chair-mute-flag';
        note.textContent = `· ${t('room_muted_by', cm.by)}`;
        li.append(note);
      }
      if (mod && p.id !== st.self?.id) {
        if (cm) li.append(button(t('room_allow_unmute'), p, () => send({ type: 'allow_unmute', participant: p.id, source: 'microphone' })));
        else li.append(button(`${t('room_mute')}`, p, () => send({ type: 'mute', participant: p.id, source: 'microphone' })));
        li.append(button(`${t('room_remove')}`, p, () => send({ type: 'remove', participant: p.id })));
      }
      return li;
    }));
    highlight();
  }
  function button(text, p, fn) {
    const b = document.createElement('button'); b.type = 'button'; b.textContent = text;
    b.setAttribute('aria-label', `${text}: ${p.name}`);
    b.addEventListener('click', fn);
    return b;
  }
  function renderWaiting() {
    const list = $('waiting-list');
    list.replaceChildren(...st.waiting.map((p) => {
      const li = document.createElement('li');
      const name = document.createElement('span'); name.textContent = label(p);
      li.append(name,
        button(t('room_admit'), p, () => send({ type: 'admit', participant: p.id })),
        button(t('room_deny'), p, () => send({ type: 'deny', participant: p.id })));
      return li;
    }));
  }
  function addChat(m) {
    const li = document.createElement('li');
    const who = document.createElement('strong'); who.textContent = label(m) + ': ';
    const time = document.createElement('time');
    const d = new Date(m.at); time.dateTime = d.toISOString();
    time.textContent = d.toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' }) + ' ';
    const text = document.createElement('bdi'); text.textContent = m.text;
    li.append(time, who, text);
    $('chat-log').append(li);
    $('chat-log').scrollTop = $('chat-log').scrollHeight;
  }

  // stats sums the subscriber connection's inbound media, for monitoring
  // and tests: frames decoded, audio samples and packets received.
  async function stats() {
    const out = { framesDecoded: 0, totalSamplesReceived: 0, audioPackets: 0, videoPackets: 0 };
    if (!st.sub) return out;
    (await st.sub.getStats()).forEach((r) => {
      if (r.type !== 'inbound-rtp') return;
      if (r.kind === 'video') { out.framesDecoded += r.framesDecoded || 0; out.videoPackets += r.packetsReceived || 0; }
      if (r.kind === 'audio') { out.totalSamplesReceived += r.totalSamplesReceived || 0; out.audioPackets += r.packetsReceived || 0; }
    });
    return out;
  }

  window.addEventListener('online', () => { if (!st.ws || st.ws.readyState > 1) { st.retry = 0; } });
  openDevices().then(() => { if (app.dataset.autojoin === '1') { $('join-button').disabled = true; connect(); } });
}
