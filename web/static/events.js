// The reader's own time zone and the "now in session" state of an event
// page, computed here from the UTC times in the page, so that the page
// itself is the same for everyone and stays in the page cache.
const lang = document.documentElement.lang || undefined;
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const fmt = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short", timeZone: zone });
const zoneName = new Intl.DateTimeFormat(lang, { timeZone: zone, timeZoneName: "long" })
  .formatToParts(new Date()).find((p) => p.type === "timeZoneName");

const note = document.querySelector("[data-reader-zone]");
if (note) {
  note.querySelector("[data-reader-zone-name]").textContent = zone + (zoneName ? " (" + zoneName.value + ")" : "");
  note.hidden = false;
}

const sessions = [...document.querySelectorAll(".session[data-start]")];
for (const s of sessions) {
  const start = new Date(s.dataset.start);
  const end = new Date(s.dataset.end);
  const out = s.querySelector("[data-reader-time]");
  if (!out || isNaN(start) || isNaN(end)) continue;
  const range = typeof fmt.formatRange === "function" ? fmt.formatRange(start, end) : fmt.format(start) + " – " + fmt.format(end);
  out.querySelector("[data-reader-value]").textContent = range;
  out.hidden = false;
}

function tick() {
  const now = Date.now();
  for (const s of sessions) {
    const badge = s.querySelector("[data-now]");
    if (!badge) continue;
    const on = !s.hasAttribute("data-cancelled") && Date.parse(s.dataset.start) <= now && now < Date.parse(s.dataset.end);
    badge.hidden = !on;
    s.classList.toggle("in-session", on);
  }
}
tick();
setInterval(tick, 30000);
