// Passkeys: registering one on the second-factor page, and signing in with
// one, alone or as the second step. The server keeps the challenges; this
// module only carries them between it and navigator.credentials. Each
// element marked data-passkey stays hidden where the browser has no
// WebAuthn, so the pages work as before without it.

// b64u decodes base64url, as the server sends binary fields.
function b64u(s) {
  const pad = "=".repeat((4 - (s.length % 4)) % 4);
  const bin = atob((s + pad).replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
}

// toB64u encodes binary as base64url, as the server reads it.
function toB64u(buf) {
  let bin = "";
  for (const b of new Uint8Array(buf)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// creationOptions turns the server's JSON into what credentials.create takes.
function creationOptions(o) {
  const pk = { ...o.publicKey };
  pk.challenge = b64u(pk.challenge);
  pk.user = { ...pk.user, id: b64u(pk.user.id) };
  pk.excludeCredentials = (pk.excludeCredentials || []).map((c) => ({ ...c, id: b64u(c.id) }));
  return { publicKey: pk };
}

// requestOptions turns the server's JSON into what credentials.get takes.
function requestOptions(o) {
  const pk = { ...o.publicKey };
  pk.challenge = b64u(pk.challenge);
  pk.allowCredentials = (pk.allowCredentials || []).map((c) => ({ ...c, id: b64u(c.id) }));
  return { publicKey: pk };
}

// credentialJSON is a PublicKeyCredential as the server reads it.
function credentialJSON(cred) {
  const r = cred.response;
  const response = { clientDataJSON: toB64u(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toB64u(r.attestationObject);
    if (r.getTransports) response.transports = r.getTransports();
  } else {
    response.authenticatorData = toB64u(r.authenticatorData);
    response.signature = toB64u(r.signature);
    if (r.userHandle) response.userHandle = toB64u(r.userHandle);
  }
  return {
    id: cred.id,
    rawId: toB64u(cred.rawId),
    type: cred.type,
    authenticatorAttachment: cred.authenticatorAttachment || undefined,
    clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
    response,
  };
}

// post sends JSON and returns the parsed answer, throwing the server's
// message (already in the user's language) when it refused.
async function post(url, body) {
  const res = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try {
    data = await res.json();
  } catch {
    // not JSON: the generic message below
  }
  if (!res.ok) {
    const err = new Error((data.error && data.error.message) || "");
    err.server = true;
    throw err;
  }
  return data;
}

// run performs one ceremony for the element el.
async function run(el, extra) {
  const kind = el.dataset.passkey;
  const start = await post(el.dataset.begin);
  const cred = kind === "register"
    ? await navigator.credentials.create(creationOptions(start.options))
    : await navigator.credentials.get(requestOptions(start.options));
  if (!cred) throw new DOMException("", "NotAllowedError");
  const done = await post(el.dataset.finish, {
    handle: start.handle,
    next: el.dataset.next || "",
    credential: credentialJSON(cred),
    ...extra,
  });
  window.location.assign(done.redirect);
}

function setUp(el) {
  const alert = el.querySelector('[role="alert"]');
  const button = el.querySelector("button");
  const show = (msg) => {
    alert.textContent = msg;
    alert.hidden = false;
  };
  const go = async (extra) => {
    alert.hidden = true;
    button.disabled = true;
    try {
      await run(el, extra);
    } catch (err) {
      if (err.server && err.message) show(err.message);
      else if (err.name === "NotAllowedError" || err.name === "AbortError") show(el.dataset.cancelled);
      else show(el.dataset.failed);
      button.disabled = false;
    }
  };
  if (el.dataset.passkey === "register") {
    el.addEventListener("submit", (ev) => {
      ev.preventDefault();
      go({ name: el.elements.name.value });
    });
  } else {
    button.addEventListener("click", () => go({}));
  }
  el.hidden = false;
}

for (const el of document.querySelectorAll("[data-passkey]")) {
  if (window.PublicKeyCredential && navigator.credentials) {
    setUp(el);
  } else if (el.dataset.passkey === "register") {
    // Say why the form is missing rather than hide it without a word.
    const p = document.createElement("p");
    p.textContent = el.dataset.unsupported;
    el.after(p);
  }
}
