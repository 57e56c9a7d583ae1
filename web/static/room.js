// Conference room client: signalling over a WebSocket (protocol v1, see
// docs/signalling.md), one RTCPeerConnection to publish (we offer) and one to
// subscribe (the server offers), simulcast camera, screen share, chat, raise
// hand, lobby, moderation (a chair's mute shows on the muted delegate's
// control), reconnection after a network loss, and leaving, which releases
// the camera and microphone at once. The page is a meeting app: a dark
// stage whose tiles resize to fit the window, a control bar, side panels
// with unread counts, a pre-join card with a preview, a level meter and a
// speaker test, connection quality from getStats, and keyboard shortcuts.
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
    tokenExp: 0, retryTimer: null, chairMuted: {}, pinned: null, panels: new Set(), unread: 0, quality: new Map(),
    wantMic: true, wantCam: true, shortcuts: true, sink: '', level: 0, mediaError: '',
  };
  window.chanceryRoom = { state: st, stats, quality: () => Object.fromEntries(st.quality) };
  // Hooks for floor.js (the speakers' list), which renders its own panel.
  Object.assign(window.chanceryRoom, { send: (m) => send(m), toggleSource: (s) => toggleSource(s), openPanel: (n, on) => openPanel(n, on), render: () => render() });

  const status = (text) => { $('room-status').textContent = text; };
  const alertMsg = (text) => { const a = $('room-alert'); a.textContent = text; a.hidden = !text; };
  const send = (m) => { if (st.ws && st.ws.readyState === 1) st.ws.send(JSON.stringify({ v: V, ...m })); };
  const svg = (id, cls) => `<svg aria-hidden="true"${cls ? ` class="${cls}"` : ''}><use href="#${id}"/></svg>`;

  // --- devices and preview -------------------------------------------------
  const supported = navigator.mediaDevices?.getSupportedConstraints?.() || {};
  $('ns-field').hidden = !supported.noiseSuppression;
  $('ec-field').hidden = !supported.echoCancellation;
  // audioConstraints asks for the browser's noise suppression and echo
  // cancellation where it offers them; the settings panel turns them off.
  function audioConstraints(id) {
    const c = id ? { deviceId: { exact: id } } : {};
    if (supported.noiseSuppression) c.noiseSuppression = $('noise-suppression').checked;
    if (supported.echoCancellation) c.echoCancellation = $('echo-cancellation').checked;
    if (supported.autoGainControl) c.autoGainControl = true;
    return c;
  }
  const videoConstraints = (id) => ({ ...(id ? { deviceId: { exact: id } } : {}), width: 1280, height: 720 });

  // openDevices opens the chosen camera and microphone. When both cannot
  // be had, it tries each alone, so that a person without a camera still
  // speaks; when none can, it says why and how to fix it, and joining
  // without devices stays possible.
  async function openDevices() {
    const cam = $('camera-select').value, mic = $('mic-select').value;
    if (st.local) st.local.getTracks().forEach((x) => x.stop());
    st.local = null;
    let got = null, err = null;
    if (navigator.mediaDevices?.getUserMedia) {
      for (const c of [{ audio: audioConstraints(mic), video: videoConstraints(cam) }, { audio: audioConstraints(mic) }, { video: videoConstraints(cam) }]) {
        try { got = await navigator.mediaDevices.getUserMedia(c); break; } catch (e) { err = err || e; if (e.name === 'NotAllowedError') break; }
      }
    } else {
      err = new DOMException('', 'SecurityError');
    }
    // Left while the browser was opening the devices: give them back.
    if (st.left) { got?.getTracks().forEach((x) => x.stop()); return; }
    mediaHelp(got && got.getAudioTracks().length && got.getVideoTracks().length ? null : err);
    st.local = got;
    if (got) {
      got.getAudioTracks().forEach((x) => { x.enabled = st.wantMic; });
      got.getVideoTracks().forEach((x) => { x.enabled = st.wantCam; });
    }
    $('preview').srcObject = got;
    await listDevices();
    meter(got?.getAudioTracks()[0]);
    prejoinControls();
  }

  // mediaHelp says why the camera or microphone could not be opened, and
  // how to fix it in this browser.
  function mediaHelp(err) {
    st.mediaError = err ? err.name : '';
    if (!err) { $('media-help').hidden = true; return; }
    const ua = navigator.userAgent;
    const browser = /Firefox\//.test(ua) ? 'firefox' : /Edg\//.test(ua) ? 'edge' : /Chrome\//.test(ua) ? 'chrome' : /Safari\//.test(ua) ? 'safari' : 'other';
    let title = 'room_error_media', fix = '';
    if (err.name === 'NotAllowedError' || err.name === 'SecurityError') { title = 'room_media_denied'; fix = 'room_media_fix_' + browser; }
    else if (err.name === 'NotFoundError' || err.name === 'OverconstrainedError') { title = 'room_media_none'; fix = 'room_media_none_fix'; }
    else if (err.name === 'NotReadableError' || err.name === 'AbortError') { title = 'room_media_busy'; fix = 'room_media_busy_fix'; }
    $('media-help-title').textContent = t(title);
    $('media-help-fix').textContent = fix ? `${t(fix)} ${t('room_media_join_anyway')}` : t('room_media_join_anyway');
    $('media-help').hidden = false;
  }

  async function listDevices() {
    const devs = navigator.mediaDevices?.enumerateDevices ? await navigator.mediaDevices.enumerateDevices() : [];
    const cams = devs.filter((d) => d.kind === 'videoinput' && d.deviceId), mics = devs.filter((d) => d.kind === 'audioinput' && d.deviceId);
    const outs = devs.filter((d) => d.kind === 'audiooutput' && d.deviceId);
    fill($('camera-select'), cams, st.local?.getVideoTracks()[0], t('room_camera'));
    fill($('mic-select'), mics, st.local?.getAudioTracks()[0], t('room_microphone'));
    fill($('room-camera-select'), cams, st.local?.getVideoTracks()[0], t('room_camera'));
    fill($('room-mic-select'), mics, st.local?.getAudioTracks()[0], t('room_microphone'));
    // Choosing the speaker needs setSinkId, which not every browser has.
    const sinks = 'setSinkId' in HTMLMediaElement.prototype && outs.length > 0;
    for (const id of ['speaker-select', 'room-speaker-field']) $(id).hidden = !sinks;
    $('speaker-field').querySelector('label').hidden = !sinks;
    if (sinks) {
      for (const sel of [$('speaker-select'), $('room-speaker-select')]) {
        sel.replaceChildren(...outs.map((d, i) => { const o = document.createElement('option'); o.value = d.deviceId; o.textContent = d.label || `${t('room_speaker')} ${i + 1}`; o.selected = d.deviceId === st.sink; return o; }));
      }
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
    sel.disabled = devs.length === 0;
  }

  // The level meter reads the microphone through an AnalyserNode, so that
  // a person sees before joining that they are heard.
  let audioCtx = null, meterRun = 0;
  function context() {
    if (!audioCtx) audioCtx = new AudioContext();
    if (audioCtx.state === 'suspended') audioCtx.resume().catch(() => {});
    return audioCtx;
  }
  function meter(track) {
    const run = ++meterRun;
    $('mic-level').value = 0; st.level = 0;
    if (!track || !window.AudioContext) return;
    const ctx = context();
    const src = ctx.createMediaStreamSource(new MediaStream([track]));
    const an = ctx.createAnalyser(); an.fftSize = 1024;
    src.connect(an);
    const buf = new Float32Array(an.fftSize);
    const tick = () => {
      if (run !== meterRun || track.readyState === 'ended' || $('prejoin').hidden) { src.disconnect(); return; }
      an.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const x of buf) sum += x * x;
      const rms = Math.sqrt(sum / buf.length);
      st.level = track.enabled ? Math.min(1, rms * 4) : 0;
      $('mic-level').value = st.level;
      st.levelPeak = Math.max(st.levelPeak || 0, st.level);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }
  document.addEventListener('pointerdown', () => { if (audioCtx?.state === 'suspended') audioCtx.resume().catch(() => {}); });

  // The speaker test plays two short tones made with Web Audio: no file.
  $('speaker-test').addEventListener('click', async () => {
    const ctx = context();
    if (st.sink && ctx.setSinkId) await ctx.setSinkId(st.sink).catch(() => {});
    const now = ctx.currentTime;
    [523.25, 659.25, 783.99].forEach((f, i) => {
      const o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = f; o.type = 'sine';
      g.gain.setValueAtTime(0, now + i * 0.22);
      g.gain.linearRampToValueAtTime(0.25, now + i * 0.22 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.001, now + i * 0.22 + 0.2);
      o.connect(g).connect(ctx.destination);
      o.start(now + i * 0.22); o.stop(now + i * 0.22 + 0.21);
    });
    st.speakerTested = (st.speakerTested || 0) + 1;
    status(t('room_speaker_playing'));
  });
  for (const id of ['speaker-select', 'room-speaker-select']) {
    $(id).addEventListener('change', () => {
      st.sink = $(id).value;
      for (const a of document.querySelectorAll('#tiles audio')) a.setSinkId?.(st.sink).catch(() => {});
    });
  }

  // The round buttons on the preview turn the camera and microphone off
  // before joining; the room starts with them as chosen.
  function prejoinControls() {
    const hasA = !!st.local?.getAudioTracks().length, hasV = !!st.local?.getVideoTracks().length;
    for (const [id, want, has, on, off] of [['prejoin-mic', st.wantMic, hasA, 'i-mic', 'i-mic-off'], ['prejoin-cam', st.wantCam, hasV, 'i-cam', 'i-cam-off']]) {
      const b = $(id);
      b.setAttribute('aria-pressed', String(want && has));
      b.disabled = !has;
      b.querySelector('use').setAttribute('href', `#${want && has ? on : off}`);
    }
    $('preview-off').hidden = hasV && st.wantCam;
  }
  $('prejoin-mic').addEventListener('click', () => { st.wantMic = !st.wantMic; st.local?.getAudioTracks().forEach((x) => { x.enabled = st.wantMic; }); prejoinControls(); });
  $('prejoin-cam').addEventListener('click', () => { st.wantCam = !st.wantCam; st.local?.getVideoTracks().forEach((x) => { x.enabled = st.wantCam; }); prejoinControls(); });
  $('camera-select').addEventListener('change', openDevices);
  $('mic-select').addEventListener('change', openDevices);
  $('join-button').addEventListener('click', () => {
    $('join-button').disabled = true;
    setSource('microphone', st.wantMic); setSource('camera', st.wantCam);
    connect();
  });

  // During the meeting, another camera or microphone replaces the track
  // being sent (replaceTrack): no renegotiation, the others see no gap.
  async function switchDevice(kind, force = false) {
    const sel = $(kind === 'video' ? 'room-camera-select' : 'room-mic-select');
    if (!st.local || !sel.value) return;
    const old = kind === 'video' ? st.local.getVideoTracks()[0] : st.local.getAudioTracks()[0];
    if (!force && old && old.getSettings().deviceId === sel.value) return;
    const open = (id) => navigator.mediaDevices.getUserMedia(kind === 'video'
      ? { video: videoConstraints(id) }
      : { audio: audioConstraints(id) }).then((s) => s.getTracks()[0]);
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
      if (!fresh) { listDevices(); return; }
    }
    if (st.left || !st.local) { fresh.stop(); return; }
    fresh.enabled = kind === 'video' ? st.cam : st.mic;
    const tx = kind === 'video' ? st.camTx : st.micTx;
    if (tx && st.pub && st.pub.signalingState !== 'closed') await tx.sender.replaceTrack(fresh);
    if (old) st.local.removeTrack(old);
    st.local.addTrack(fresh);
    listDevices();
    $('preview').srcObject = st.local;
    status(t('room_device_switched', sel.selectedOptions[0]?.textContent || fresh.label));
    render();
  }
  $('room-camera-select').addEventListener('change', () => switchDevice('video'));
  $('room-mic-select').addEventListener('change', () => switchDevice('audio'));
  // Noise suppression and echo cancellation: Chromium does not change
  // them on a running track, so the microphone opens again with them and
  // its new track replaces the one being sent.
  for (const id of ['noise-suppression', 'echo-cancellation']) {
    $(id).addEventListener('change', () => { switchDevice('audio', true); });
  }
  navigator.mediaDevices?.addEventListener?.('devicechange', () => { listDevices(); });

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
      $('reconnect-banner').hidden = false;
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
        const known = st.people.has(m.participant.id), before = st.people.get(m.participant.id);
        st.people.set(m.participant.id, m.participant);
        if (known && !before.hand && m.participant.hand) status(t('room_hand_raised_by', m.participant.name));
        if (m.participant.id === st.self?.id) {
          st.self = m.participant; applyChairMutes();
          // The server lowers the hand of whoever it gives the floor.
          st.hand = !!m.participant.hand; $('hand-toggle').setAttribute('aria-pressed', String(st.hand));
        }
        if (!known) status(t('room_joined', m.participant.name));
        render(); break;
      }
      case 'left': {
        const p = st.people.get(m.id);
        st.people.delete(m.id);
        if (p) status(t('room_left_by', p.name));
        if (st.pinned === `p-${m.id}`) st.pinned = null;
        render(); break;
      }
      case 'track': st.tracks.set(m.track.id, m.track); render(); break;
      case 'untrack': st.tracks.delete(m.track_id); st.media.delete(m.track_id); prevCounts.delete(m.track_id); render(); break;
      case 'speakers': st.speakers = m.speakers || []; highlight(); break;
      case 'floor_state': app.dispatchEvent(new CustomEvent('floor-state', { detail: m.floor })); break;
      case 'procedure_state': app.dispatchEvent(new CustomEvent('procedure-state', { detail: m.procedure })); break;
      case 'vote_receipt': app.dispatchEvent(new CustomEvent('vote-receipt', { detail: { vote: m.vote, receipt: m.receipt } })); break;
      case 'interp_state': case 'interp_chat': case 'interp_slow': app.dispatchEvent(new CustomEvent('interp', { detail: m })); break; // interp.js
      case 'recording': app.dispatchEvent(new CustomEvent('room-recording', { detail: m })); break; // recording.js
      case 'chat': addChat(m.message, true); break;
      case 'token': if (m.token) { st.token = m.token; st.tokenExp = m.expires_at || 0; } break; // refreshed before the last one expires
      case 'waiting': {
        const had = new Set(st.waiting.map((p) => p.id));
        st.waiting = m.waiting || []; st.reception = m.reception || null;
        for (const p of st.waiting) if (!had.has(p.id) && st.self?.permissions.moderate) status(t('room_waiting_one', p.name));
        renderWaiting(); break;
      }
      case 'locked': st.locked = !!m.locked; $('lock-toggle').setAttribute('aria-pressed', String(st.locked)); status(st.locked ? t('room_locked_notice') : ''); break;
      case 'error': {
        if (m.code === 'muted_by_chair') {
          // The server refused our own unmute: the chair's mute stands.
          const cm = st.chairMuted.microphone || st.chairMuted.camera;
          alertMsg(t('room_error_muted_by_chair', cm?.by));
          break;
        }
        const key = { room_locked: 'room_error_locked', forbidden: 'room_error_forbidden', token_expired: 'room_error_expired', bad_token: 'room_error_invalid',
          token_revoked: 'room_error_revoked', identity_in_use: 'room_error_identity_in_use', room_archived: 'room_error_archived',
          token_not_yet_valid: 'room_error_not_yet_valid', floor_transition: 'room_floor_error_transition',
          floor_busy: 'room_floor_error_busy', floor_duplicate: 'room_floor_error_duplicate', unavailable: 'room_floor_error_unavailable',
          rate_limited: 'room_floor_error_rate', vote_open: 'procedure_error_vote_open', vote_closed: 'procedure_error_vote_closed',
          not_entitled: 'procedure_error_not_entitled', not_present: 'procedure_error_not_present', no_quorum: 'procedure_error_no_quorum',
          roll_call_closed: 'procedure_error_roll_closed', already_answered: 'procedure_error_answered', receipt_unknown: 'procedure_error_receipt' }[m.code] || (m.code?.startsWith('interp_') ? `interp_error_${m.code.slice(7)}` : m.code?.startsWith('recording_error_') ? m.code : 'room_error_generic');
        alertMsg(t(key));
        if (['room_locked', 'token_expired', 'bad_token', 'denied', 'token_revoked', 'identity_in_use', 'room_archived', 'token_not_yet_valid'].includes(m.code)) { st.fatal = true; release(); }
        break;
      }
      case 'bye': {
        const key = { removed: 'room_bye_removed', denied: 'room_bye_denied', replaced: 'room_bye_replaced', revoked: 'room_bye_revoked',
          archived: 'room_bye_archived' }[m.reason];
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
    (m.chat || []).forEach((c) => addChat(c, false));
    if (st.joinedOnce) status(t('room_reconnected'));
    st.joinedOnce = true; st.retry = 0; alertMsg('');
    $('reconnect-banner').hidden = true;
    show('room');
    if (!st.panelsInit && (st.panelsInit = true) && window.matchMedia('(min-width: 64rem)').matches) { openPanel('people', true); openPanel('chat', true); }
    applyChairMutes();
    const mod = st.self.permissions.moderate;
    $('lock-toggle').hidden = !mod; $('waiting-section').hidden = !mod || !st.waiting.length;
    $('lock-toggle').setAttribute('aria-pressed', String(st.locked));
    $('chat-form').hidden = !st.self.permissions.chat;
    app.dispatchEvent(new CustomEvent('room-recording', { detail: { type: 'welcome', recording: !!m.recording, moderate: mod } })); // recording.js
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
    st.sub.ontrack = (e) => { st.media.set(e.track.id, e.track); mapMedia(st.sub.remoteDescription?.sdp); render(); };
    const restart = (pc, which) => () => {
      if (pc.iceConnectionState !== 'failed') return;
      if (which === 'pub') negotiate(true); else send({ type: 'restart' });
    };
    // The banner shows while either connection has lost the network, even
    // before the signalling socket notices.
    const watch = (pc, which) => () => {
      restart(pc, which)();
      const lost = [st.pub, st.sub].some((x) => x && ['disconnected', 'failed'].includes(x.iceConnectionState));
      $('reconnect-banner').hidden = !lost && st.ws?.readyState === 1;
    };
    st.pub.oniceconnectionstatechange = watch(st.pub, 'pub');
    st.sub.oniceconnectionstatechange = watch(st.sub, 'sub');
  }

  // mapMedia finds each announced track by the msid of the m-section it
  // arrives on. A receiver keeps the id of the first track it carried, so
  // when the server reuses an m-section for someone who joined later, the
  // track's own id names the one who left.
  function mapMedia(sdp) {
    if (!st.sub || !sdp) return;
    const byMid = new Map(st.sub.getTransceivers().filter((x) => x.mid !== null).map((x) => [x.mid, x.receiver.track]));
    for (const sec of sdp.split(/\r?\nm=/).slice(1)) {
      const mid = /\r?\na=mid:(\S+)/.exec(sec)?.[1], msid = /\r?\na=msid:\S+ (\S+)/.exec(sec)?.[1];
      if (/\r?\na=(inactive|recvonly)/.test(sec) || !mid || !msid || !byMid.has(mid)) continue;
      st.media.set(msid, byMid.get(mid));
    }
  }

  async function onOffer(m) {
    await st.sub.setRemoteDescription({ type: 'offer', sdp: m.sdp });
    mapMedia(m.sdp); render();
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
      // An interpreter's microphone speaks into the booth's channel.
      st.specs.push(st.self.booth ? { id: a.id, source: 'interpretation', language: st.self.booth } : { id: a.id, source: 'microphone' });
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
    listDevices();
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
    status(t(`room_now_${mic ? 'mic' : 'cam'}_${on ? 'on' : 'off'}`));
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
  function toggleHand() {
    st.hand = !st.hand;
    $('hand-toggle').setAttribute('aria-pressed', String(st.hand));
    send({ type: 'hand', raised: st.hand });
  }
  $('hand-toggle').addEventListener('click', toggleHand);
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
    st.self = null; st.people.clear(); st.tracks.clear(); st.waiting = []; st.reception = null; st.speakers = []; st.chairMuted = {};
    st.hand = false; $('hand-toggle').setAttribute('aria-pressed', 'false'); st.pinned = null; st.unread = 0; st.quality.clear();
    $('reconnect-banner').hidden = true; if ($('help-dialog').open) $('help-dialog').close();
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
    st.mic = true; st.cam = true; st.wantMic = true; st.wantCam = true;
    setSource('microphone', true); setSource('camera', true);
    $('join-button').hidden = false; $('join-button').disabled = true;
    show('prejoin');
    await openDevices();
    $('rejoin-button').disabled = false;
    connect();
  });
  // Side panels open and close from the control bar; chat counts what
  // arrives while it is closed.
  function openPanel(name, on) {
    const panel = $(`${name}-panel`), btn = $(`${name}-toggle`);
    on = on ?? panel.hidden;
    panel.hidden = !on;
    btn.setAttribute('aria-pressed', String(on));
    if (on) st.panels.add(name); else st.panels.delete(name);
    // One panel at a time on a narrow window, where it covers the stage.
    if (on && !window.matchMedia('(min-width: 48rem)').matches) for (const other of ['people', 'chat', 'settings', 'floor', 'procedure', 'interp']) if (other !== name) openPanel(other, false);
    if (name === 'chat' && on) { st.unread = 0; unreadBadge(); }
    layoutTiles();
    return on;
  }
  for (const name of ['people', 'chat', 'settings', 'floor', 'procedure', 'interp']) {
    $(`${name}-toggle`).addEventListener('click', () => {
      if (openPanel(name) && name === 'chat') $('chat-input').focus();
    });
  }
  for (const b of document.querySelectorAll('.panel-close')) {
    b.addEventListener('click', () => { openPanel(b.dataset.panel, false); $(`${b.dataset.panel}-toggle`).focus(); });
  }
  function unreadBadge() {
    const u = $('chat-unread');
    u.hidden = !st.unread;
    u.textContent = st.unread ? String(st.unread) : '';
    u.setAttribute('aria-label', t('room_unread', String(st.unread)));
  }

  // The control bar is a toolbar: the arrow keys move between its
  // buttons, in the reading direction.
  document.querySelector('.controls').addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight' && e.key !== 'Home' && e.key !== 'End') return;
    const btns = [...document.querySelectorAll('.controls .ctl')].filter((b) => b.checkVisibility());
    const i = btns.indexOf(document.activeElement);
    if (i < 0) return;
    const rtl = document.documentElement.dir === 'rtl';
    const step = (e.key === 'ArrowRight') !== rtl ? 1 : -1;
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? btns.length - 1 : (i + step + btns.length) % btns.length;
    btns[next].focus();
    e.preventDefault();
  });

  // Keyboard shortcuts, as in other meeting apps: single keys, off while
  // typing and switchable off in the help dialog (WCAG 2.1.4).
  const helpOpener = { el: null };
  function openHelp() {
    helpOpener.el = document.activeElement;
    $('help-dialog').showModal();
  }
  $('help-button').addEventListener('click', openHelp);
  // Closing the dialog gives the focus back to its opener at once; the
  // close event comes later, in a task of its own, after keys pressed
  // meanwhile (input goes first on a busy page). It only places the focus
  // when none is left (the opener went while the dialog was open): a
  // control focused since the dialog closed keeps it.
  $('help-dialog').addEventListener('close', () => {
    const a = document.activeElement;
    if (a && a !== document.body && !$('help-dialog').contains(a)) return;
    (helpOpener.el?.isConnected ? helpOpener.el : $('help-button')).focus();
  });
  $('shortcuts-on').addEventListener('change', () => { st.shortcuts = $('shortcuts-on').checked; });
  document.addEventListener('keydown', (e) => {
    if (!st.shortcuts || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || $('room').hidden || $('help-dialog').open) return;
    const tg = e.target;
    if (tg.closest?.('input, textarea, select, [contenteditable=""], [contenteditable="true"]')) return;
    const k = e.key.toLowerCase();
    const act = { m: () => toggleSource('microphone'), v: () => toggleSource('camera'), h: toggleHand, p: () => openPanel('people'),
      c: () => { if (openPanel('chat')) $('chat-input').focus(); }, '?': openHelp }[k];
    if (!act) return;
    e.preventDefault();
    act();
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
    $('join-button').hidden = $('join-button').hidden || which.includes('lobby');
    if (which.includes('room')) layoutTiles();
  }

  function label(p) {
    return p.delegation ? `${p.name} — ${p.delegation}` : p.name;
  }
  // flag turns a delegation that starts with an ISO 3166 alpha-2 code ("VN",
  // "FR · France") into the regional-indicator emoji of its flag: no image
  // and no outside service.
  function flag(delegation) {
    const m = /^([A-Z]{2})(?=$|[\s·—,:-])/.exec(delegation || '');
    return m ? String.fromCodePoint(...[...m[1]].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65)) : '';
  }
  // Without a colour emoji font (Windows, bare Linux), a flag emoji shows
  // as two boxed letters or blanks: draw it once on a canvas and, when no
  // colour comes out, show the ISO code as a small badge instead.
  const emojiFlags = (() => {
    try {
      const c = document.createElement('canvas'); c.width = c.height = 16;
      const g = c.getContext('2d', { willReadFrequently: true }); g.font = '14px sans-serif'; g.textBaseline = 'top';
      g.fillText('\u{1F1FB}\u{1F1F3}', 0, 0);
      const d = g.getImageData(0, 0, 16, 16).data;
      for (let i = 0; i < d.length; i += 4) if (d[i + 3] && (Math.abs(d[i] - d[i + 1]) > 30 || Math.abs(d[i + 1] - d[i + 2]) > 30)) return true;
    } catch { /* no canvas: use the badge */ }
    return false;
  })();
  // flagEl is the flag of a delegation for a tile or the list, hidden from
  // screen readers, which read the delegation itself.
  function flagEl(delegation) {
    const f = flag(delegation);
    if (!f) return null;
    const s = el('span', emojiFlags ? 'flag' : 'flag code', emojiFlags ? f : delegation.slice(0, 2));
    s.setAttribute('aria-hidden', 'true');
    return s;
  }
  function initials(name) {
    return (name || '?').trim().split(/\s+/).slice(0, 2).map((w) => [...w][0]).join('').toUpperCase();
  }
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };

  const observer = new ResizeObserver((entries) => {
    for (const e of entries) {
      const id = e.target.dataset.track;
      const w = Math.round(e.contentRect.width), h = Math.round(e.contentRect.height);
      const key = `${w}x${h}`;
      if (id && st.views.get(id) !== key) { st.views.set(id, key); send({ type: 'view', track: id, width: w, height: h }); }
    }
  });
  const stageObserver = new ResizeObserver(() => layoutTiles());
  stageObserver.observe($('stage')); stageObserver.observe($('tiles')); // the tiles narrow beside interp.js's sign-language view

  function tileButton(icon, text, fn) {
    const b = el('button'); b.type = 'button'; b.title = text; b.setAttribute('aria-label', text);
    b.innerHTML = svg(icon);
    b.addEventListener('click', fn);
    return b;
  }

  // render redraws the tiles and the list of participants after any
  // change in the room; the focus stays where the user put it.
  function render() {
    keepFocus($('tiles'), drawTiles);
    highlight(); renderPeople(); layoutTiles(); showQuality();
    app.dispatchEvent(new Event('room-render')); // interp.js attaches the channel's media
  }
  function drawTiles() {
    const tiles = $('tiles');
    const want = [];
    const everyone = [st.self, ...[...st.people.values()].filter((p) => p.id !== st.self?.id).sort(byPrecedence)].filter(Boolean);
    for (const p of everyone) {
      const own = p.id === st.self?.id;
      const cam = [...st.tracks.values()].find((x) => x.participant === p.id && x.source === 'camera');
      const mic = [...st.tracks.values()].find((x) => x.participant === p.id && x.source === 'microphone');
      const video = own ? (st.cam ? st.local?.getVideoTracks()[0] : null) : cam && !cam.muted && st.media.get(cam.id);
      want.push({ key: `p-${p.id}`, p, own, video, track: cam?.id, audio: !own && mic && st.media.get(mic.id), micOff: own ? !st.mic : !mic || mic.muted });
      const scr = [...st.tracks.values()].find((x) => x.participant === p.id && x.source === 'screen');
      if (scr && !own) want.push({ key: `s-${scr.id}`, p, screen: true, video: st.media.get(scr.id), track: scr.id });
    }
    if (st.pinned && !want.some((w) => w.key === st.pinned)) st.pinned = null;
    const layout = st.pinned ? 'speaker' : st.layout;
    const mainKey = layout !== 'speaker' ? null : st.pinned || want.find((w) => w.screen)?.key ||
      (st.speakers[0] && `p-${st.speakers[0]}`) || want.find((w) => !w.own)?.key || want[0]?.key;
    tiles.dataset.layout = layout;
    const keep = new Set(want.map((w) => w.key));
    for (const t0 of [...tiles.querySelectorAll('.tile')]) if (!keep.has(t0.dataset.key)) { observer.unobserve(t0.querySelector('video')); t0.remove(); }
    let strip = tiles.querySelector('.strip');
    if (layout === 'speaker' && !strip) { strip = el('div', 'strip'); tiles.append(strip); }
    for (const w of want) {
      let tile = tiles.querySelector(`[data-key="${w.key}"]`);
      if (!tile) {
        tile = el('figure', 'tile'); tile.dataset.key = w.key; tile.dataset.participant = w.p.id;
        const v = el('video'); v.autoplay = true; v.playsInline = true; v.muted = true;
        const a = el('audio'); a.autoplay = true;
        if (st.sink) a.setSinkId?.(st.sink).catch(() => {});
        const avatar = el('div', 'avatar'); avatar.setAttribute('aria-hidden', 'true'); avatar.append(el('span', '', initials(w.p.name)));
        const q = el('span', 'quality'); q.setAttribute('role', 'img'); q.append(el('i'), el('i'), el('i'));
        const actions = el('div', 'tile-actions');
        const pin = tileButton('i-pin', t('room_pin'), () => { st.pinned = st.pinned === w.key ? null : w.key; render(); });
        pin.classList.add('pin');
        actions.append(pin, tileButton('i-full', t('room_fullscreen'), () => {
          if (document.fullscreenElement) document.exitFullscreen(); else tile.requestFullscreen?.().catch(() => {});
        }));
        if (document.pictureInPictureEnabled) {
          actions.append(tileButton('i-pip', t('room_pip'), () => {
            if (document.pictureInPictureElement === v) document.exitPictureInPicture(); else v.requestPictureInPicture().catch(() => {});
          }));
        }
        tile.append(v, a, avatar, q, actions, el('figcaption'));
      }
      tile.style.order = String(want.indexOf(w)); // precedence, without moving a playing video
      const parent = layout === 'speaker' && w.key !== mainKey ? strip : tiles;
      if (tile.parentElement !== parent) parent.append(tile);
      tile.classList.toggle('main', w.key === mainKey);
      tile.classList.toggle('screen', !!w.screen);
      tile.classList.toggle('own', !!w.own && !w.screen);
      tile.classList.toggle('pinned', st.pinned === w.key);
      tile.querySelector('.pin').setAttribute('aria-pressed', String(st.pinned === w.key));
      const v = tile.querySelector('video'), a = tile.querySelector('audio');
      caption(tile.querySelector('figcaption'), w);
      v.setAttribute('aria-label', w.screen ? t('room_screen_of', label(w.p)) : label(w.p) + (w.own ? ` ${t('room_you')}` : ''));
      if (w.track) { v.dataset.track = w.track; observer.observe(v); }
      setSrc(v, w.video || null); setSrc(a, w.audio || null);
      a.volume = window.chanceryRoom.floorGain ?? 1; // interp.js ducks the floor under a language channel
      tile.classList.toggle('has-video', !!w.video);
    }
    if (layout !== 'speaker' && strip) strip.remove();
    else if (strip && strip !== tiles.lastElementChild) tiles.append(strip); // moved only when a tile came after it: a move takes the focus out
    $('layout-toggle').setAttribute('aria-pressed', String(layout === 'speaker'));
  }
  // caption writes a tile's name bar: flag, name, role, and whether the
  // microphone is off or the hand raised, each also in words for screen
  // readers.
  function caption(cap, w) {
    const parts = [];
    const f = flagEl(w.p.delegation);
    if (f) parts.push(f);
    // An interpreter speaks into a booth, not a microphone: interp.js says
    // into which language and whether live.
    const note = w.p.booth && !w.screen ? window.chanceryRoom.tileNote?.(w.p) : null;
    if (note) parts.push(el('span', note.live ? 'interp-badge live' : 'interp-badge', note.text));
    else if (w.micOff && !w.screen) { const s = el('span', 'muted-icon'); s.innerHTML = svg('i-mic-off'); s.append(el('span', 'visually-hidden', t('room_mic_off'))); parts.push(s); }
    if (w.p.hand && !w.screen) { const s = el('span', 'hand-icon', '✋'); s.setAttribute('role', 'img'); s.setAttribute('aria-label', t('room_hand_raised')); parts.push(s); }
    const name = el('bdi', 'name', w.screen ? t('room_screen_of', label(w.p)) : label(w.p) + (w.own ? ` ${t('room_you')}` : ''));
    parts.push(name);
    if (!w.screen) parts.push(el('span', 'role', t('room_role_' + w.p.role)));
    cap.replaceChildren(...parts);
  }

  // layoutTiles sizes the tiles to fill the stage without scrolling: in
  // the grid, the column count that gives the largest 16:9 tiles; in the
  // speaker view, one large tile above a strip.
  function layoutTiles() {
    const tiles = $('tiles');
    const W = tiles.clientWidth, H = tiles.clientHeight, gap = 8;
    if (!W || !H) return;
    if (tiles.dataset.layout === 'speaker') {
      const others = tiles.querySelectorAll('.strip .tile').length;
      const stripH = others ? Math.min(120, H * 0.22) : 0;
      const mainW = Math.min(W, ((H - stripH - (others ? gap : 0)) * 16) / 9);
      tiles.style.setProperty('--main-w', `${Math.floor(mainW)}px`);
      tiles.style.setProperty('--strip-w', `${Math.floor((stripH * 16) / 9)}px`);
      return;
    }
    const n = Math.max(1, tiles.querySelectorAll('.tile').length);
    let best = 0;
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      const w = Math.min((W - gap * (cols - 1)) / cols, (((H - gap * (rows - 1)) / rows) * 16) / 9);
      if (w > best) best = w;
    }
    tiles.style.setProperty('--tile-w', `${Math.floor(best) - 1}px`);
  }

  function setSrc(media, track) {
    const cur = media.srcObject?.getTracks()[0];
    if ((cur || null) === track) return;
    media.srcObject = track ? new MediaStream([track]) : null;
  }
  function highlight() {
    for (const tile of $('tiles').querySelectorAll('.tile')) {
      const on = st.speakers.includes(tile.dataset.participant) && tile.dataset.key.startsWith('p-');
      tile.classList.toggle('speaking', on);
    }
    for (const li of $('people-list').children) {
      const s = li.querySelector('.speaking-flag');
      if (s) s.hidden = !st.speakers.includes(li.dataset.participant);
    }
  }
  // keepFocus runs fn, which redraws box, without losing the focus a
  // keyboard or screen reader user had in it: a control that was replaced
  // gives the focus to its successor (the same label), else to another
  // control of the same participant, else to box itself; a control that
  // was only moved gets it back. A roster update never throws the user
  // back to the start of the page.
  function keepFocus(box, fn) {
    const a = document.activeElement;
    if (!a || a === box || !box.contains(a)) { fn(); return; }
    const name = a.getAttribute('aria-label'), who = a.closest('[data-participant]')?.dataset.participant;
    fn();
    if (document.activeElement === a) return;
    const usable = (e) => e && box.contains(e) && e.checkVisibility() && !e.disabled;
    const next = [a, ...(name ? [...box.querySelectorAll('[aria-label]')].filter((e) => e.getAttribute('aria-label') === name) : []),
      ...(who ? box.querySelectorAll(`[data-participant="${CSS.escape(who)}"] button`) : [])].find(usable);
    (next || box).focus({ preventScroll: true });
  }
  function renderPeople() {
    keepFocus($('people-list'), drawPeople);
  }
  function drawPeople() {
    const list = $('people-list');
    const mod = st.self?.permissions.moderate;
    const mics = new Map([...st.tracks.values()].filter((x) => x.source === 'microphone').map((x) => [x.participant, x]));
    list.replaceChildren(...[...st.people.values()].sort(byPrecedence).map((p) => {
      const li = el('li'); li.dataset.participant = p.id;
      const f = flagEl(p.delegation);
      if (f) li.append(f);
      const who = el('span', 'who');
      who.append(el('bdi', 'person-name', p.name + (p.id === st.self?.id ? ` ${t('room_you')}` : '')));
      who.append(el('small', '', [p.delegation, t('room_role_' + p.role)].filter(Boolean).join(' · ')));
      li.append(who);
      const state = el('span', 'state');
      const own = p.id === st.self?.id;
      const note = p.booth ? window.chanceryRoom.tileNote?.(p) : null; // an interpreter: into which language, live or not
      if (note) who.append(el('span', note.live ? 'interp-badge live' : 'interp-badge', note.text));
      else if (own ? !st.mic : !mics.get(p.id) || !!mics.get(p.id).muted) { const s = el('span'); s.innerHTML = svg('i-mic-off'); s.append(el('span', 'visually-hidden', t('room_mic_off'))); state.append(s); }
      if (p.hand) { const s = el('span', '', '✋'); s.setAttribute('role', 'img'); s.setAttribute('aria-label', t('room_hand_raised')); state.append(s); }
      const sp = el('span', 'speaking-flag', t('room_speaking')); sp.hidden = true; state.append(sp);
      li.append(state);
      const cm = (p.chair_muted || []).find((c) => c.source === 'microphone');
      if (cm) li.append(el('span', 'chair-mute-flag', t('room_muted_by', cm.by)));
      if (mod && p.id !== st.self?.id) {
        if (cm) li.append(button(t('room_allow_unmute'), p, () => send({ type: 'allow_unmute', participant: p.id, source: 'microphone' })));
        else li.append(button(`${t('room_mute')}`, p, () => send({ type: 'mute', participant: p.id, source: 'microphone' })));
        li.append(button(`${t('room_remove')}`, p, () => send({ type: 'remove', participant: p.id })));
      }
      return li;
    }));
    $('people-count').textContent = st.people.size ? String(st.people.size) : '';
    highlight();
  }
  function button(text, p, fn) {
    const b = el('button', '', text); b.type = 'button';
    b.setAttribute('aria-label', `${text}: ${p.name}`);
    b.addEventListener('click', fn);
    return b;
  }
  // byPrecedence orders participants by their delegation's place in the
  // meeting's order of precedence (rank; none last), then by name.
  function byPrecedence(a, b) {
    return ((a.rank || 1e9) - (b.rank || 1e9)) || a.name.localeCompare(b.name, document.documentElement.lang);
  }
  // renderReception shows moderators, per delegation in order of
  // precedence, who is expected and where they are, and admits a
  // delegation's waiting members at once.
  function renderReception() {
    const r = st.self?.permissions.moderate ? st.reception : null;
    $('reception-section').hidden = !r?.expected?.length;
    const items = [];
    for (const d of r?.delegations || []) {
      const people = r.expected.filter((x) => x.delegation === d.key);
      if (!people.length) continue;
      const li = el('li'); li.dataset.delegation = d.key;
      const head = el('div', 'delegation-head');
      head.append(el('bdi', 'delegation-name', d.name));
      if (people.some((x) => x.state === 'waiting')) {
        head.append(button(t('room_admit_delegation'), d, () => send({ type: 'admit_delegation', delegation: d.key })));
      }
      const ul = el('ul', 'people');
      for (const x of people) {
        const p = el('li'); p.dataset.state = x.state;
        p.append(el('bdi', 'who', x.name), el('span', 'expected-state', t('room_expected_' + x.state)));
        ul.append(p);
      }
      li.append(head, ul); items.push(li);
    }
    $('reception-list').replaceChildren(...items);
  }
  function renderWaiting() {
    renderReception();
    const list = $('waiting-list');
    keepFocus(list, () => list.replaceChildren(...st.waiting.map((p) => {
      const li = el('li'); li.dataset.participant = p.id;
      li.append(el('bdi', 'who', label(p)),
        button(t('room_admit'), p, () => send({ type: 'admit', participant: p.id })),
        button(t('room_deny'), p, () => send({ type: 'deny', participant: p.id })));
      return li;
    })));
    $('waiting-section').hidden = !st.self?.permissions.moderate || !st.waiting.length;
    $('people-count').classList.toggle('unread', st.waiting.length > 0);
    // A moderator sees who waits even with the panel closed.
    if (st.waiting.length && st.self?.permissions.moderate && !$('room').hidden && $('people-panel').hidden) openPanel('people', true);
  }
  // addChat appends a message; one that arrives while the chat is closed
  // counts as unread and is read out.
  function addChat(m, live) {
    const li = el('li');
    const who = el('strong', '', label(m) + ': ');
    const time = el('time');
    const d = new Date(m.at); time.dateTime = d.toISOString();
    time.textContent = d.toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' }) + ' ';
    li.append(time, who, el('bdi', '', m.text));
    $('chat-log').append(li);
    $('chat-log').scrollTop = $('chat-log').scrollHeight;
    if (live && $('chat-panel').hidden && m.participant !== st.self?.id && m.name !== st.self?.name) {
      st.unread++; unreadBadge();
      status(t('room_chat_from', m.name) + ' ' + m.text);
    }
  }

  // --- statistics ------------------------------------------------------------
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

  // measure reads each participant's connection quality from getStats:
  // packet loss since the last reading, the round-trip time of the
  // connection, and the size of the simulcast layer received; for
  // ourselves, what the server reports of what we send.
  const prevCounts = new Map();
  async function measure() {
    if (!st.sub || !st.self) return;
    const [sub, pub] = await Promise.all([st.sub.getStats(), st.pub ? st.pub.getStats() : null]);
    let rtt = null;
    sub.forEach((r) => { if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded' && r.currentRoundTripTime !== undefined) rtt = r.currentRoundTripTime; });
    const byTrack = new Map();
    sub.forEach((r) => { if (r.type === 'inbound-rtp' && r.trackIdentifier) byTrack.set(r.trackIdentifier, r); });
    const q = new Map();
    for (const x of st.tracks.values()) {
      if (x.source === 'screen') continue;
      const r = byTrack.get(x.id);
      if (!r) continue;
      const prev = prevCounts.get(x.id) || { lost: 0, recv: 0 };
      const lost = Math.max(0, (r.packetsLost || 0) - prev.lost), recv = Math.max(0, (r.packetsReceived || 0) - prev.recv);
      prevCounts.set(x.id, { lost: r.packetsLost || 0, recv: r.packetsReceived || 0 });
      const e = q.get(x.participant) || { lost: 0, recv: 0, rtt };
      e.lost += lost; e.recv += recv;
      if (r.kind === 'video' && r.frameHeight) { e.width = r.frameWidth; e.height = r.frameHeight; }
      q.set(x.participant, e);
    }
    if (pub) {
      const e = { lost: 0, recv: 0, rtt: null };
      pub.forEach((r) => {
        if (r.type === 'remote-inbound-rtp') { e.loss = Math.max(e.loss || 0, r.fractionLost || 0); if (r.roundTripTime !== undefined) e.rtt = r.roundTripTime; }
        if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded' && e.rtt === null && r.currentRoundTripTime !== undefined) e.rtt = r.currentRoundTripTime;
        if (r.type === 'outbound-rtp' && r.kind === 'video' && r.frameHeight && (!e.height || r.frameHeight > e.height)) { e.width = r.frameWidth; e.height = r.frameHeight; }
      });
      q.set(st.self.id, e);
    }
    st.quality = new Map([...q].map(([id, e]) => {
      const loss = e.loss ?? (e.recv + e.lost ? e.lost / (e.recv + e.lost) : 0);
      const level = e.rtt === null && !e.recv && e.loss === undefined ? 'unknown'
        : loss < 0.02 && (e.rtt ?? 0) < 0.3 ? 'good' : loss < 0.08 && (e.rtt ?? 0) < 0.6 ? 'fair' : 'poor';
      return [id, { level, loss, rtt: e.rtt, width: e.width || 0, height: e.height || 0 }];
    }));
    showQuality();
  }
  function showQuality() {
    for (const tile of $('tiles').querySelectorAll('.tile')) {
      const q = st.quality.get(tile.dataset.participant) || { level: 'unknown' };
      const ind = tile.querySelector('.quality');
      ind.dataset.level = q.level;
      const bits = [t('room_quality_' + q.level)];
      if (q.loss !== undefined) bits.push(`${t('room_quality_loss')} ${(q.loss * 100).toFixed(1)} %`);
      if (q.rtt !== null && q.rtt !== undefined) bits.push(`${t('room_quality_rtt')} ${Math.round(q.rtt * 1000)} ms`);
      if (q.height) bits.push(`${t('room_quality_layer')} ${q.width}×${q.height}`);
      const text = bits.join(' · ');
      ind.title = text; ind.setAttribute('aria-label', text);
    }
  }
  setInterval(() => { measure().catch(() => {}); }, 2000);
  const clock = () => { $('room-clock').textContent = new Date().toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' }); };
  clock(); setInterval(clock, 15000);

  window.addEventListener('online', () => { if (!st.ws || st.ws.readyState > 1) { st.retry = 0; } });
  window.addEventListener('offline', () => { if (!$('room').hidden) $('reconnect-banner').hidden = false; });
  openDevices().then(() => { if (app.dataset.autojoin === '1') { $('join-button').click(); } });
}
