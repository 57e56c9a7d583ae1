// Room management (/admin/rooms/{slug}): keeps "who is in the room now"
// current by reading the page again every few seconds and taking its
// list and count, which the server has already put in the viewer's
// language. Without JavaScript the page's refresh link does the same.

const every = 5000;

// The page is read at its own address: after a form, the browser's
// address is the form's action.
async function refresh(src) {
  const res = await fetch(src, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
  if (!res.ok) return;
  const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
  for (const sel of ['#members tbody', '#present-count']) {
    const now = document.querySelector(sel);
    const next = doc.querySelector(sel);
    // Only a change is written, so that the live region speaks only then.
    if (now && next && now.innerHTML !== next.innerHTML) now.innerHTML = next.innerHTML;
  }
}

const members = document.getElementById('members');
if (members) {
  setInterval(() => { if (!document.hidden) refresh(members.dataset.src).catch(() => {}); }, every);
}
