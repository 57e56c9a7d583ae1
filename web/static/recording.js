// Recording in the conference room (protocol v1: record, recording; see
// docs/signalling.md). room.js owns the connection; it hands this module
// the welcome's recording flag and every recording message as a
// "room-recording" event on the room element, and sends through
// window.chanceryRoom.send.
//
// Everyone sees the "recording" indicator while the room is recorded and
// hears (screen readers) when it starts and stops. Moderators (the chair,
// the technicians) get a button to start and stop it, and the warning
// when the server stopped it for want of disk space or at shutdown.
const app = document.getElementById('room-app');
if (app) start();

function start() {
  const S = JSON.parse(document.getElementById('room-strings').textContent);
  const $ = (id) => document.getElementById(id);
  const t = (k) => S[k] || k;
  const button = $('record-toggle');
  const label = button.querySelector('.ctl-label');
  let on = false, known = false;

  const render = () => {
    $('recording-indicator').hidden = !on;
    label.textContent = t(on ? 'recording_room_stop' : 'recording_room_start');
    button.title = label.textContent;
    button.classList.toggle('recording-on', on);
  };
  const say = (text) => { $('recording-status').textContent = text; };

  app.addEventListener('room-recording', (e) => {
    const m = e.detail;
    if (m.type === 'welcome') {
      button.hidden = !m.moderate;
      const was = on;
      on = !!m.recording;
      if (known && was !== on) say(t(on ? 'recording_room_started' : 'recording_room_stopped'));
      if (!known && on) say(t('recording_room_started'));
      known = true;
      render();
      return;
    }
    on = !!m.recording;
    render();
    if (on) {
      $('recording-alert').hidden = true;
      say(t('recording_room_started'));
      return;
    }
    const warn = { low_disk: 'recording_room_low_disk', shutdown: 'recording_room_shutdown' }[m.reason];
    if (warn && !button.hidden) {
      // The chair must know why the record stopped, and that it did.
      $('recording-alert').textContent = t(warn);
      $('recording-alert').hidden = false;
    } else {
      say(t('recording_room_stopped'));
    }
  });

  button.addEventListener('click', () => {
    window.chanceryRoom?.send({ type: 'record', recording: !on });
  });
}
