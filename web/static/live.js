// The live page's player: a small WHEP client (draft-ietf-wish-whep, with
// RFC 9725's conventions). It offers to receive one video and one audio,
// posts the offer to the page's WHEP endpoint with the chosen language,
// and follows the broadcast's state from the answers: 201 plays, 503 is
// "not live yet" (retried after Retry-After), 410 ended, 403 closed.
//
// With a language chosen it offers a second audio: the server sends the
// language channel on the first and the floor on the second while an
// interpreter speaks, and says the room's ducking level in the answer's
// Interpretation-Ducking header. The floor then plays at that level (the
// listener may change it or mute the original), as in the room.
const root = document.getElementById('live');
const S = JSON.parse(document.getElementById('live-strings').textContent);
const video = document.getElementById('live-video');
const status = document.getElementById('live-status');
const sound = document.getElementById('live-sound');
const select = document.getElementById('live-lang');
const ducking = document.getElementById('live-ducking');
// The sign-language channel, when the event has one and the viewer asks.
const signSelect = document.getElementById('live-sign');
const signView = document.getElementById('live-sign-view');
const signVideo = document.getElementById('live-sign-video');
const levelInput = document.getElementById('live-floor-level');
const levelOut = document.getElementById('live-floor-level-out');
const muteOriginal = document.getElementById('live-mute-original');
// The floor under a language plays in an element of its own.
const floorAudio = document.createElement('audio');
floorAudio.id = 'live-floor'; floorAudio.hidden = true; floorAudio.muted = true;
root.append(floorAudio);
// level is the floor's level in percent; chosen once the listener moves
// the control, else the room's.
let level = 15, chosen = false;
function applyLevel() {
  levelInput.value = String(level);
  levelOut.textContent = `${level} %`;
  floorAudio.volume = muteOriginal.checked ? 0 : level / 100;
  floorAudio.muted = video.muted || muteOriginal.checked;
}

let pc = null;
let resource = null;
let retry = 0;
let generation = 0;

function show(state, text) {
  root.dataset.state = state;
  status.className = 'live-status live-' + state;
  status.textContent = text;
}

async function stop() {
  generation++;
  clearTimeout(retry);
  const old = resource;
  resource = null;
  if (pc) {
    pc.close();
    pc = null;
  }
  video.srcObject = null;
  floorAudio.srcObject = null;
  signVideo.srcObject = null;
  signView.hidden = true;
  if (old) {
    try { await fetch(old, { method: 'DELETE' }); } catch { /* the server ends it anyway */ }
  }
}

function later(seconds, state, text) {
  show(state, text);
  const gen = generation;
  retry = setTimeout(() => { if (gen === generation) start(); }, Math.max(2, seconds) * 1000);
}

// gathered waits until ICE gathering is complete, or a second at most: the
// server answers with its candidates, so ours go with the offer.
function gathered(conn) {
  if (conn.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, 1000);
    conn.addEventListener('icegatheringstatechange', () => {
      if (conn.iceGatheringState === 'complete') { clearTimeout(t); resolve(); }
    });
  });
}

async function start() {
  await stop();
  const gen = generation;
  const url = root.dataset.whep;
  if (!url) return;
  show('connecting', S.state_connecting);
  const conn = new RTCPeerConnection();
  pc = conn;
  conn.addTransceiver('video', { direction: 'recvonly' });
  conn.addTransceiver('audio', { direction: 'recvonly' });
  const floorTx = select.value ? conn.addTransceiver('audio', { direction: 'recvonly' }) : null;
  ducking.hidden = !select.value;
  const sign = signSelect?.value || '';
  const signTx = sign ? conn.addTransceiver('video', { direction: 'recvonly' }) : null;
  // The stream goes to the video only once it has a track: a media
  // element given an empty stream waits for it and holds the page's load
  // event.
  const stream = new MediaStream();
  conn.ontrack = (ev) => {
    if (signTx && ev.transceiver === signTx) {
      signVideo.srcObject = new MediaStream([ev.track]);
      document.getElementById('live-sign-caption').textContent = signSelect.selectedOptions[0]?.textContent || sign;
      // Shown once the interpreter's video plays: the channel is silent
      // while nobody signs.
      signVideo.onresize = () => { signView.hidden = !signVideo.videoWidth; };
      signVideo.onloadeddata = signVideo.onresize;
      signVideo.play().catch(() => {});
      return;
    }
    if (floorTx && ev.transceiver === floorTx) {
      floorAudio.srcObject = new MediaStream([ev.track]);
      applyLevel();
      floorAudio.play().catch(() => {});
      return;
    }
    stream.addTrack(ev.track);
    if (video.srcObject !== stream) video.srcObject = stream;
    video.play().catch(() => { sound.hidden = false; });
  };
  conn.onconnectionstatechange = () => {
    if (gen !== generation) return;
    if (conn.connectionState === 'connected') {
      show('live', S.state_live);
      sound.hidden = false;
    } else if (conn.connectionState === 'failed' || conn.connectionState === 'disconnected') {
      later(3, 'connecting', S.reconnecting);
    }
  };
  try {
    await conn.setLocalDescription(await conn.createOffer());
    await gathered(conn);
    if (gen !== generation) return;
    const params = new URLSearchParams();
    if (select.value) params.set('lang', select.value);
    if (sign) params.set('sign', sign);
    const q = params.size ? '?' + params : '';
    const res = await fetch(url + q, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: conn.localDescription.sdp });
    if (gen !== generation) return;
    const wait = parseInt(res.headers.get('Retry-After') || '10', 10);
    switch (res.status) {
      case 201:
        resource = new URL(res.headers.get('Location'), location.href).href;
        {
          const d = parseInt(res.headers.get('Interpretation-Ducking') || '', 10);
          if (!chosen && d >= 0 && d <= 100) { level = d; applyLevel(); }
        }
        await conn.setRemoteDescription({ type: 'answer', sdp: await res.text() });
        return;
      case 503:
        conn.close();
        if (res.headers.get('Broadcast-State') === 'full') later(wait, 'full', S.state_full);
        else later(wait, 'upcoming', S.state_upcoming);
        return;
      case 410:
        conn.close();
        show('ended', S.state_ended);
        return;
      case 403:
        conn.close();
        show('closed', S.state_closed);
        return;
      default:
        conn.close();
        later(15, 'error', S.state_error);
    }
  } catch {
    if (gen === generation) later(15, 'error', S.state_error);
  }
}

sound.addEventListener('click', () => {
  video.muted = !video.muted;
  sound.setAttribute('aria-pressed', String(!video.muted));
  sound.textContent = video.muted ? S.unmute : S.mute;
  video.play().catch(() => {});
  applyLevel();
  if (floorAudio.srcObject) floorAudio.play().catch(() => {});
});
levelInput.addEventListener('input', () => { level = Number(levelInput.value); chosen = true; applyLevel(); });
muteOriginal.addEventListener('change', applyLevel);
select.addEventListener('change', () => { start(); });
signSelect?.addEventListener('change', () => { start(); });
window.addEventListener('pagehide', () => {
  if (resource) fetch(resource, { method: 'DELETE', keepalive: true }).catch(() => {});
});

// Start once the page has loaded, so that the player's requests and its
// connection never hold the load event.
if (root.dataset.state !== 'ended') {
  if (document.readyState === 'complete') start();
  else window.addEventListener('load', () => { start(); }, { once: true });
}

// stats reports what the player decoded, for tests and the curious.
window.chanceryLive = {
  async stats() {
    const out = { framesDecoded: 0, totalSamplesReceived: 0, videoPackets: 0, audioPackets: 0, videoWidth: video.videoWidth, state: root.dataset.state,
      floorPackets: 0, floorVolume: floorAudio.muted ? 0 : floorAudio.volume, signWidth: signVideo.videoWidth, signShown: !signView.hidden };
    const floorTrack = floorAudio.srcObject?.getAudioTracks()[0];
    if (!pc) return out;
    (await pc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') { out.framesDecoded += s.framesDecoded || 0; out.videoPackets += s.packetsReceived || 0; }
      if (s.kind === 'audio' && floorTrack && s.trackIdentifier === floorTrack.id) { out.floorPackets += s.packetsReceived || 0; return; }
      if (s.kind === 'audio') { out.totalSamplesReceived += s.totalSamplesReceived || 0; out.audioPackets += s.packetsReceived || 0; }
    });
    return out;
  },
};
